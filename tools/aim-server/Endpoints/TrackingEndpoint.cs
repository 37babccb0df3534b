using System.Net.WebSockets;
using AimLsm.Remote;
using AimLsm.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace AimLsm.Server.Endpoints;

/// <summary>
/// <c>GET /api/tracking</c>: the WebSocket of remote tracking clients (docs/http-api.md, "Remote tracking";
/// docs/format.md section 15). Each connection, once upgraded, is handed to the server's one
/// <see cref="TrackingServer"/> until it ends; the token was checked before the upgrade (<see cref="AccessCheck"/>).
/// Without tracking (a read-only server) it is a 404 that says how to start a writable one. Thread-safe.
/// </summary>
internal sealed class TrackingEndpoint(AimServer server, TrackingServer? tracking)
{
    public async Task ServeAsync(HttpContext context)
    {
        if (tracking is null)
        {
            await JsonResponses.ErrorAsync(context, StatusCodes.Status404NotFound, "ReadOnly", json =>
            {
                json.WriteString("path", context.Request.Path.Value);
                json.WriteString("error", "This server is read-only: it takes no tracking clients. Start it with 'aim-server --repo PATH --writable' (and a token: --token-file, AIMLSM_TOKEN, or the one it prints) to track into it remotely.");
            });
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.Headers[HeaderNames.Upgrade] = "websocket";
            await JsonResponses.ErrorAsync(context, StatusCodes.Status426UpgradeRequired, "WebSocketRequired", json =>
            {
                json.WriteString("path", context.Request.Path.Value);
                json.WriteString("error", "GET /api/tracking is a WebSocket endpoint for remote tracking clients (RemoteRepo.Connect); this request asked for no upgrade.");
            });
            return;
        }

        using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
        try
        {
            await tracking.ServeAsync(socket, AccessCheck.Peer(context), server.Stopping);
        }
        catch (OperationCanceledException) when (server.Stopping.IsCancellationRequested)
        {
            // The server is stopping: the connection is dropped and the client resumes with the next server.
        }
    }
}
