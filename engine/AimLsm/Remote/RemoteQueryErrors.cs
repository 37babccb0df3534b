using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AimLsm.Query;

namespace AimLsm.Remote;

/// <summary>
/// Turns aim-server's error for a query it refused (docs/http-api.md, "Status codes and errors": a 400 whose
/// <c>message</c> is <c>SyntaxError</c>, <c>NameError</c>, <c>QueryLimitError</c> or a Python error type, or a 504
/// <c>QueryTimeout</c>) back into the exception a local repo throws for that query: the same type, and, where the
/// server gave a position, the same line, column, detail and message (built from the position in the query text, as
/// the local compiler builds them). Stateless.
/// </summary>
internal static partial class RemoteQueryErrors
{
    /// <summary>
    /// The exception for an error body's <paramref name="kind"/> (its <c>message</c>) and <paramref name="detail"/>,
    /// or null when the body is not a query error (no <c>query</c> in its detail).
    /// </summary>
    public static AimQueryException? ToException(string kind, JsonElement detail, string query)
    {
        if (detail.ValueKind != JsonValueKind.Object || !detail.TryGetProperty("query", out _))
        {
            return null;
        }

        string error = Text(detail, "error") ?? kind;
        string text = Text(detail, "text") ?? error;
        int? position = Int(detail, "position") is { } p && p >= 0 && p <= query.Length ? p : null;
        switch (kind)
        {
            case "SyntaxError":
                return position is { } syntaxAt ? new QuerySyntaxException(error, query, syntaxAt) : new QuerySyntaxException(text);
            case "NameError":
                if (position is not { } nameAt)
                {
                    return new QueryNameException(text);
                }

                // end_offset - offset is the refused name's length when the name stands there (else 1).
                int length = Int(detail, "end_offset") is { } end && Int(detail, "offset") is { } start ? end - start : 0;
                string name = length > 0 && nameAt + length <= query.Length ? query.Substring(nameAt, length) : string.Empty;
                return new QueryNameException(error, name, Strings(detail, "allowed"), query, nameAt);
            case "QueryLimitError":
                return position is { } limitAt ? new QueryLimitException(error, query, limitAt) : new QueryLimitException(text);
            case "QueryTimeout":
                return new QueryTimeoutException(Budget(error));
            default:
                // A Python error type (TypeError, re.error, ...) raised while the server folded a constant.
                string reason = error.StartsWith(kind + ": ", StringComparison.Ordinal) ? error[(kind.Length + 2)..] : error;
                var evaluation = new QueryEvaluationException(kind, reason);
                return position is { } evaluationAt ? evaluation.At(query, evaluationAt) : evaluation;
        }
    }

    /// <summary>The budget a time-out's message names ("... time budget of 10 s ..."), or zero when it names none.</summary>
    private static TimeSpan Budget(string error) =>
        BudgetPattern().Match(error) is { Success: true } m && double.TryParse(m.Groups[1].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.Zero;

    private static string? Text(JsonElement detail, string name) =>
        detail.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement detail, string name) =>
        detail.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) ? n : null;

    private static string[] Strings(JsonElement detail, string name) =>
        detail.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)]
            : [];

    [GeneratedRegex(@"time budget of ([0-9.]+) s", RegexOptions.CultureInvariant)]
    private static partial Regex BudgetPattern();
}
