using System.Text.Json;
using AimLsm.Streaming;
using AimLsm.Tree;

namespace AimLsm.Server.Json;

/// <summary>
/// The document <c>GET /api/runs/{hash}</c> returns (Aim's <c>/api/runs/{id}/info</c>): <c>params</c>, <c>traces</c>
/// grouped by sequence type with each trace's metadata under <c>values</c> (<see cref="TraceOverview"/>), and
/// <c>props</c>, shaped like the run search's run object (docs/format.md, 14.3) so a client reads both the same way.
/// Values follow <see cref="JsonValues"/>' policy (NaN and infinities spelled as Aim spells them). Stateless.
/// </summary>
internal static class RunInfoJson
{
    /// <summary>Writes the document of <paramref name="run"/>.</summary>
    public static void Write(Utf8JsonWriter json, Run run)
    {
        json.WriteStartObject();
        json.WriteString("hash", run.Hash);

        json.WritePropertyName("params");
        JsonValues.Write(json, run.Tree.Get<object?>(new Dictionary<string, object?>()));

        // Aim's collect_sequence_info shape, as the run search streams it; every kind is present, empty or not, as Aim
        // lists every available sequence type.
        json.WriteStartObject("traces");
        foreach ((string kind, List<SequenceInfo> infos) in TraceOverview.Group(run.Sequences, everyKind: true))
        {
            json.WriteStartArray(kind);
            foreach (SequenceInfo info in infos)
            {
                JsonValues.Write(json, TraceOverview.Trace(info));
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();

        json.WritePropertyName("props");
        WriteProps(json, run);
        json.WriteEndObject();
    }

    /// <summary>Aim's <c>get_run_props</c> shape; experiments and tags are names here, so <c>id</c> = <c>name</c>.</summary>
    private static void WriteProps(Utf8JsonWriter json, Run run)
    {
        json.WriteStartObject();
        json.WriteString("name", run.Name);
        json.WriteString("description", run.Description);
        if (run.Experiment is { } experiment)
        {
            json.WriteStartObject("experiment");
            json.WriteString("id", experiment);
            json.WriteString("name", experiment);
            json.WriteNull("description");
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("experiment");
        }

        json.WriteStartArray("tags");
        foreach (string tag in run.Tags)
        {
            json.WriteStartObject();
            json.WriteString("id", tag);
            json.WriteString("name", tag);
            json.WriteNull("color");
            json.WriteNull("description");
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteBoolean("archived", run.Archived);
        json.WritePropertyName("creation_time");
        JsonValues.WriteNumber(json, UnixSeconds(run.CreatedAt));
        json.WritePropertyName("end_time");
        if (run.EndTime is { } end)
        {
            JsonValues.WriteNumber(json, UnixSeconds(end));
        }
        else
        {
            json.WriteNullValue();
        }

        json.WriteBoolean("active", run.Active);
        json.WriteEndObject();
    }

    private static double UnixSeconds(DateTime utc) => (utc - DateTime.UnixEpoch).TotalSeconds;
}
