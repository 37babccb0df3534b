using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace AimLsm.Server.Http;

/// <summary>
/// The token check in front of every endpoint (docs/http-api.md, "Binding and security"). <c>GET /api/tracking</c>
/// needs <c>Authorization: Bearer TOKEN</c> whenever the server tracks: the header only, never the page's cookie, so
/// that no web page can open a tracking connection with a browser's cookie. When reads need the token too (off
/// loopback), every other request needs the header or the page's cookie; <c>GET /?token=TOKEN</c> with the right
/// token sets the cookie and redirects to <c>/</c> with the other parameters, so the token leaves the address bar and
/// the history. A refusal is
/// a 401 with <c>WWW-Authenticate: Bearer</c> and a JSON body, answered before any WebSocket upgrade, and logged with
/// the peer's address (never the token). Immutable, thread-safe.
/// </summary>
internal sealed class AccessCheck(BearerToken? token, bool readsNeedToken, bool tracking, ILogger? logger)
{
    /// <summary>The path of the tracking endpoint.</summary>
    public const string TrackingPath = "/api/tracking";

    private const string Realm = "Bearer realm=\"aim-server\"";

    /// <summary>Whether <paramref name="request"/> is for the tracking endpoint (a trailing slash accepted, as for every route).</summary>
    public static bool IsTracking(HttpRequest request) =>
        request.Path.Equals(TrackingPath, StringComparison.OrdinalIgnoreCase) || request.Path.Equals(TrackingPath + "/", StringComparison.OrdinalIgnoreCase);

    /// <summary>The client's address and port, for log lines: <c>127.0.0.1:50312</c>, <c>[::1]:50312</c>.</summary>
    public static string Peer(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address ? new IPEndPoint(address, context.Connection.RemotePort).ToString() : "an unknown peer";

    /// <summary>Passes the request on, or answers it: a 401, or the cookie and a redirect.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        HttpRequest request = context.Request;
        bool trackingRequest = tracking && IsTracking(request);
        if (token is null || !(trackingRequest || readsNeedToken))
        {
            await next(context);
            return;
        }

        BearerToken.Presented presented = trackingRequest ? token.InHeader(request) : token.InHeaderOrCookie(request);
        if (presented == BearerToken.Presented.Valid)
        {
            await next(context);
            return;
        }

        if (!trackingRequest && presented == BearerToken.Presented.None && request.Path == "/" && request.Query.TryGetValue("token", out var query))
        {
            if (query.Count == 1 && token.Matches(query[0]))
            {
                token.SetCookie(context.Response);
                context.Response.Headers.CacheControl = "no-store";
                // The page keeps its state in the URL: every other parameter stays.
                context.Response.Headers.Location = "/" + new QueryBuilder(request.Query.Where(p => p.Key != "token")).ToQueryString();
                context.Response.StatusCode = StatusCodes.Status303SeeOther;
                return;
            }

            presented = BearerToken.Presented.Wrong;
        }

        string what = presented == BearerToken.Presented.None ? "no token" : "a wrong token";
        logger?.LogWarning("refused {Method} {Path} from {Peer}: {What}", request.Method, request.Path.Value, Peer(context), what);
        context.Response.Headers[HeaderNames.WWWAuthenticate] = presented == BearerToken.Presented.None ? Realm : Realm + ", error=\"invalid_token\"";
        await JsonResponses.ErrorAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", json =>
        {
            json.WriteString("path", request.Path.Value);
            json.WriteString("error", (presented == BearerToken.Presented.None, trackingRequest) switch
            {
                (true, true) => "Tracking needs the server's token: send 'Authorization: Bearer TOKEN' with the token aim-server printed or read at start.",
                (true, false) => "This server needs its token on every request (it listens off loopback): send 'Authorization: Bearer TOKEN', or open /?token=TOKEN once in a browser.",
                _ => "The token sent is not this server's.",
            });
        });
    }
}
