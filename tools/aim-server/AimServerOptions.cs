using System.Net;
using System.Security.Cryptography.X509Certificates;
using AimLsm.Query;
using AimLsm.Remote;
using AimLsm.Server.Http;
using Microsoft.Extensions.Logging;

namespace AimLsm.Server;

/// <summary>
/// Options of an <see cref="AimServer"/>. The defaults serve one user on this machine: loopback only, Aim's port,
/// quiet, read API only. Binding to another address is an explicit choice that needs a <see cref="Certificate"/> and a
/// <see cref="Token"/> (docs/http-api.md, "Binding and security").
/// </summary>
public sealed class AimServerOptions
{
    /// <summary>Aim's default port (<c>aim up</c>).</summary>
    public const int DefaultPort = 43800;

    /// <summary>The fewest characters a <see cref="Token"/> may have, so that a short password is not taken for one.</summary>
    public const int MinTokenLength = 16;

    /// <summary>The highest density (<c>p</c>) a metric search accepts: 100,000 points per trace is 3.2 MB of
    /// columns, more than any plot shows; stream whole sequences another way.</summary>
    public const int MaxDensity = 100_000;

    /// <summary>
    /// The address to listen on: an IP address (<c>127.0.0.1</c>, <c>::1</c>, <c>0.0.0.0</c>) or <c>localhost</c>
    /// (read as 127.0.0.1). Default 127.0.0.1: nothing off this machine can connect.
    /// </summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks a free one (read it from <see cref="AimServer.Address"/>). Default 43800.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>
    /// The <c>Host</c> header values accepted (host names without the port), or null for the default: when bound to a
    /// loopback address, only <c>localhost</c> and loopback IP addresses, which stops a web page from reading the API
    /// through DNS rebinding; when bound elsewhere, any. <c>["*"]</c> accepts any.
    /// </summary>
    public IReadOnlyList<string>? AllowedHosts { get; set; }

    /// <summary>Limits and time budget of the AimQL queries the server compiles; null for <see cref="QueryOptions"/>' defaults
    /// (10 s of evaluation per request).</summary>
    public QueryOptions? QueryOptions { get; set; }

    /// <summary>
    /// For a read-only repo (<see cref="Tree.Repo.OpenReadOnly"/>), the longest time a request may see the repo as of
    /// an earlier <see cref="Tree.Repo.Refresh"/>: a request that arrives later than this after the last refresh
    /// refreshes first, so runs that writers created since appear. <see cref="TimeSpan.Zero"/> refreshes on every
    /// request; <see cref="Timeout.InfiniteTimeSpan"/> never. Ignored for a writable repo, which sees its own writes.
    /// Default 2 s.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most points one request to <c>/api/runs/search/points</c> (every point of a step range, for the page's
    /// zoom) may stream, counted before streaming as an upper bound; above it the request is a 400
    /// <c>TooManyPoints</c>. Default 10,000,000 (320 MB of stream).
    /// </summary>
    public long MaxFullDensityPoints { get; set; } = 10_000_000;

    /// <summary>
    /// How long stopping waits for requests to end after their streams have been cancelled. Default 5 s.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>ASP.NET Core's own log lines at this level and above go to the console; default
    /// <see cref="LogLevel.None"/> (quiet: the caller reports what it wants through <see cref="AimServer.StreamEnded"/>).</summary>
    public LogLevel LogLevel { get; set; } = LogLevel.None;

    /// <summary>
    /// The bearer token clients send (<c>Authorization: Bearer TOKEN</c>), at least <see cref="MinTokenLength"/>
    /// characters; null for none. Needed by <see cref="Tracking"/>, and, off loopback or with <see cref="RequireTls"/>,
    /// by every request. Compared in constant time; never logged.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// The certificate, with its private key, to serve HTTPS (and <c>wss://</c>) with; null for plain HTTP. Needed off
    /// loopback and with <see cref="RequireTls"/>. The server does not own it: dispose it after the server.
    /// </summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Apply the rules of a non-loopback address on loopback too: a <see cref="Certificate"/>, and the
    /// <see cref="Token"/> on every request (a server reached through a tunnel). Default false.</summary>
    public bool RequireTls { get; set; }

    /// <summary>
    /// Serve remote tracking clients (<c>RemoteRepo.Connect</c>) on the WebSocket endpoint <c>GET /api/tracking</c>,
    /// with a <see cref="TrackingServer"/> of these options that the server creates and disposes; null (the default):
    /// the endpoint answers 404. Needs a writable repo (<see cref="Tree.Repo.Open"/>) and a <see cref="Token"/>.
    /// </summary>
    public TrackingServerOptions? Tracking { get; set; }

    /// <summary>Where refused requests (no token, a wrong token: the peer, never the token) and the tracking server's
    /// lines are logged; null: nowhere.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>Whether every request needs the token (off loopback, or <see cref="RequireTls"/>).</summary>
    internal bool ReadsNeedToken => AccessPolicy.For(ParseHost(Host), RequireTls).TokenForReads;

    /// <summary>Checks the values; returns the address to bind.</summary>
    /// <exception cref="ArgumentException">The host is not an IP address or <c>localhost</c>; the address needs a
    /// certificate or a token that is not set; tracking is asked without a token.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    internal IPAddress Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, IPEndPoint.MaxPort);
        if (RefreshInterval < TimeSpan.Zero && RefreshInterval != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(RefreshInterval), RefreshInterval, "RefreshInterval must be zero or positive, or Timeout.InfiniteTimeSpan.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxFullDensityPoints);
        if (ShutdownTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ShutdownTimeout), ShutdownTimeout, "ShutdownTimeout must not be negative.");
        }

        IPAddress address = ParseHost(Host);
        AccessPolicy policy = AccessPolicy.For(address, RequireTls);
        if (policy.RequiresTls && Certificate is null)
        {
            throw new ArgumentException(RequireTls
                ? "RequireTls needs a Certificate to serve HTTPS with."
                : $"Listening on {Host}, which is not a loopback address, needs TLS: set Certificate (or listen on 127.0.0.1).", nameof(Certificate));
        }

        if (Certificate is { HasPrivateKey: false })
        {
            throw new ArgumentException($"The certificate '{Certificate.Subject}' has no private key; HTTPS needs it.", nameof(Certificate));
        }

        if ((Tracking is not null || policy.TokenForReads) && Token is null)
        {
            throw new ArgumentException(Tracking is not null
                ? "Tracking needs a Token: remote clients must authenticate."
                : $"Listening on {Host}, which is not a loopback address, needs a Token for every request.", nameof(Token));
        }

        if (Token is not null && Token.Length < MinTokenLength)
        {
            throw new ArgumentException($"The token has {Token.Length} characters; a token has at least {MinTokenLength}.", nameof(Token));
        }

        return address;
    }

    /// <summary>The address <paramref name="host"/> names.</summary>
    /// <exception cref="ArgumentException">Not an IP address or <c>localhost</c>.</exception>
    internal static IPAddress ParseHost(string? host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Kestrel's ListenLocalhost cannot take port 0; 127.0.0.1 is what "localhost" means here.
            return IPAddress.Loopback;
        }

        string trimmed = host?.Trim('[', ']') ?? string.Empty;
        return IPAddress.TryParse(trimmed, out IPAddress? address)
            ? address
            : throw new ArgumentException($"Host '{host}' is not an IP address or 'localhost' (host names are not resolved: bind an address).", nameof(host));
    }
}
