using AimLsm.Server.Http;
using AimLsm.Server.Json;
using AimLsm.Tree;
using Microsoft.AspNetCore.Http;

namespace AimLsm.Server.Endpoints;

/// <summary>
/// <c>GET /api/projects/params</c>, as Aim's UI uses it to offer param columns: <c>{"params": {...}}</c>, the union
/// of every run's params tree (docs/http-api.md). Dicts keyed by strs merge key by key; any other value is a leaf,
/// and a leaf holds the value of the last run (in hash order) that has one there. The page's runs table lists only
/// the params it shows as columns (<c>params=</c> on the run search) and takes the columns it may add from here.
/// Thread-safe.
/// </summary>
internal sealed class ProjectEndpoints(AimServer server)
{
    /// <summary>Sends the union of the runs' params trees.</summary>
    public async Task ParamsAsync(HttpContext context)
    {
        server.RefreshIfDue();
        var union = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (Run run in server.Repo.Runs)
        {
            context.RequestAborted.ThrowIfCancellationRequested();
            if (run.Tree.Get<object?>(null) is Dictionary<string, object?> tree)
            {
                Merge(union, tree);
            }
        }

        await JsonResponses.SendAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WritePropertyName("params");
            JsonValues.Write(json, union);
            json.WriteEndObject();
        });
    }

    /// <summary>Adds <paramref name="tree"/>'s keys to <paramref name="union"/>; both str-keyed dicts.</summary>
    internal static void Merge(Dictionary<string, object?> union, Dictionary<string, object?> tree)
    {
        foreach ((string key, object? value) in tree)
        {
            if (value is Dictionary<string, object?> child && union.GetValueOrDefault(key) is Dictionary<string, object?> existing)
            {
                Merge(existing, child);
            }
            else if (value is Dictionary<string, object?> fresh)
            {
                // A copy: the union is built up over many runs and must not write into a run's own tree.
                var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
                Merge(copy, fresh);
                union[key] = copy;
            }
            else
            {
                union[key] = value;
            }
        }
    }
}
