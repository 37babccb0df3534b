using AimLsm.Server.Http;
using AimLsm.Server.Json;
using AimLsm.Tree;
using Microsoft.AspNetCore.Http;

namespace AimLsm.Server.Endpoints;

/// <summary>
/// <c>GET /api/runs/{hash}</c> (and Aim's spelling <c>/api/runs/{hash}/info</c>): one run as a JSON document
/// (<see cref="RunInfoJson"/>); 404 with a JSON body for a hash the repo does not hold. Also the JSON 404 of every
/// path no endpoint serves. Thread-safe.
/// </summary>
internal sealed class RunEndpoints(AimServer server)
{
    /// <summary>The endpoints, for the 404 of an unknown path.</summary>
    private static readonly string[] Endpoints =
    [
        "GET /api/runs/search/run?q=&limit=&traces=&params=",
        "GET /api/runs/search/metric?q=&p=&x_axis=step&record_range=&sampling=",
        "GET /api/runs/search/points?q=&record_range=",
        "GET /api/runs/{hash}",
        "GET /api/projects/params",
        "GET /api/tracking (a WebSocket, with --writable)",
    ];

    /// <summary>Sends the run's document.</summary>
    public async Task RunInfoAsync(HttpContext context)
    {
        string hash = context.Request.RouteValues["hash"] as string ?? string.Empty;
        server.RefreshIfDue();
        Run run;
        try
        {
            run = server.Repo.GetRun(hash);
        }
        catch (RunNotFoundException)
        {
            // Not the exception's message: it speaks of repo.Refresh(), which is the server's business here.
            await JsonResponses.ErrorAsync(context, StatusCodes.Status404NotFound, "RunNotFound", json =>
            {
                json.WriteString("hash", hash);
                json.WriteString("error", $"No run with hash '{hash}' in the repo (a run a writer created is seen within the server's refresh interval).");
            });
            return;
        }

        await JsonResponses.SendAsync(context, StatusCodes.Status200OK, json => RunInfoJson.Write(json, run));
    }

    /// <summary>404 for a path no endpoint serves, listing the ones there are.</summary>
    public static Task NotFoundAsync(HttpContext context) =>
        JsonResponses.ErrorAsync(context, StatusCodes.Status404NotFound, "NotFound", json =>
        {
            json.WriteString("path", context.Request.Path.Value);
            json.WriteString("error", $"No endpoint serves {context.Request.Method} {context.Request.Path}.");
            json.WriteStartArray("endpoints");
            foreach (string endpoint in Endpoints)
            {
                json.WriteStringValue(endpoint);
            }

            json.WriteEndArray();
        });
}
