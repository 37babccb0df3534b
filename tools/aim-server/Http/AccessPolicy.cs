using System.Net;

namespace AimLsm.Server.Http;

/// <summary>
/// What the address a server is bound to requires (docs/http-api.md, "Binding and security"). On loopback only this
/// machine can connect: plain HTTP, and reads need no token, as they always did. On any other address (0.0.0.0, a
/// LAN address, <c>::</c>) anyone on the network can: the server serves HTTPS only and every request needs the
/// bearer token, or it does not start. <c>requireTls</c> applies the second rule on loopback too (a server reached
/// through a tunnel, and the tests of the rule). Remote tracking needs the token everywhere; that is not the
/// address's business. A pure function of its inputs.
/// </summary>
internal readonly record struct AccessPolicy(bool RequiresTls, bool TokenForReads)
{
    /// <summary>The rules for a server bound to <paramref name="bound"/>.</summary>
    public static AccessPolicy For(IPAddress bound, bool requireTls)
    {
        // IsLoopback is true for all of 127.0.0.0/8, ::1, and 127.x mapped into IPv6; 0.0.0.0 and :: are not loopback:
        // they listen on every interface.
        bool open = IPAddress.IsLoopback(bound) && !requireTls;
        return new AccessPolicy(RequiresTls: !open, TokenForReads: !open);
    }
}
