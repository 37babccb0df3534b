using System.Text.Json;
using AimLsm.Tree;

namespace AimLsm.Remote;

/// <summary>
/// Reads the sequences of aim-server's run document (<c>GET /api/runs/{hash}</c>, docs/http-api.md): every trace of
/// every sequence type, <c>{context, name, values: {dtype, first_step, first, last_step, last, max, min, count}}</c>,
/// as <see cref="SequenceInfo"/>s. JSON writes a float with an integral value as an integer (1.0 as 1) and NaN and
/// the infinities as the strings Aim uses; the dtype says which numbers are floats, so first, last, min and max come
/// back as the types a local read gives (a <c>number</c> sequence, ints and floats mixed, cannot tell an integral
/// float from an int). Stateless.
/// </summary>
internal static class RemoteRunDocument
{
    /// <summary>The sequences of the document <paramref name="root"/> (from <paramref name="uri"/>, for errors), in the document's order.</summary>
    /// <exception cref="RepoException">The document is not shaped as docs/http-api.md says.</exception>
    public static List<SequenceInfo> Sequences(JsonElement root, Uri uri)
    {
        var result = new List<SequenceInfo>();
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("traces", out JsonElement traces) || traces.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(uri, "no 'traces' object");
        }

        foreach (JsonProperty group in traces.EnumerateObject())
        {
            if (group.Value.ValueKind != JsonValueKind.Array)
            {
                throw Malformed(uri, $"traces '{group.Name}' is not a list");
            }

            foreach (JsonElement trace in group.Value.EnumerateArray())
            {
                if (trace.ValueKind != JsonValueKind.Object ||
                    !trace.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String ||
                    !trace.TryGetProperty("values", out JsonElement values) || values.ValueKind != JsonValueKind.Object)
                {
                    throw Malformed(uri, $"a trace of '{group.Name}' lacks its name or values");
                }

                Context context = trace.TryGetProperty("context", out JsonElement c) && c.ValueKind == JsonValueKind.Object && c.EnumerateObject().Any()
                    ? new Context(c.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, Scalar(p.Value, null)))).Freeze()
                    : Context.From(null);
                result.Add(new SequenceInfo(name.GetString()!, context, Metadata(values)));
            }
        }

        return result;
    }

    private static RemoteSequenceMetadata Metadata(JsonElement values)
    {
        string? dtype = values.TryGetProperty("dtype", out JsonElement d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        return new RemoteSequenceMetadata(
            dtype,
            Long(values, "count"),
            Long(values, "first_step"),
            Long(values, "last_step"),
            Value(values, "first", dtype),
            Value(values, "last", dtype),
            Value(values, "min", dtype),
            Value(values, "max", dtype));
    }

    private static long Long(JsonElement values, string name) =>
        values.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long l) ? l : 0;

    private static object? Value(JsonElement values, string name, string? dtype) =>
        values.TryGetProperty(name, out JsonElement v) ? Scalar(v, dtype) : null;

    /// <summary>A JSON scalar as the value a local read gives: a float where <paramref name="dtype"/> says float,
    /// NaN and the infinities from Aim's strings, else an int when it is integral, a str, a bool or None.</summary>
    private static object? Scalar(JsonElement value, string? dtype) => value.ValueKind switch
    {
        JsonValueKind.Number when dtype == "float" => value.GetDouble(),
        JsonValueKind.Number => value.TryGetInt64(out long l) ? (object)l : value.GetDouble(), // (object): not widened to double
        JsonValueKind.String when dtype is "float" or "number" && value.GetString() is "NaN" or "inf" or "-inf" => value.GetString() switch
        {
            "NaN" => double.NaN,
            "inf" => double.PositiveInfinity,
            _ => double.NegativeInfinity,
        },
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static RepoException Malformed(Uri uri, string what) =>
        new($"aim-server at {uri} sent a run document that is not shaped as docs/http-api.md says: {what}.");
}
