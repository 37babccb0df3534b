using System.Globalization;
using AimLsm.Encoding;
using AimLsm.Streaming;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace AimLsm.Server.Http;

/// <summary>
/// The query-string parameters of the search endpoints, checked (docs/http-api.md): <c>q</c>, and for a run search
/// <c>limit</c>, for a metric search <c>p</c>, <c>x_axis</c>, <c>record_range</c> and <c>sampling</c>. Anything out
/// of range is a <see cref="ParameterError"/> (400) before the repo is read. Unknown parameters are ignored, as
/// Aim's API ignores them. Immutable.
/// </summary>
internal sealed record SearchRequest
{
    /// <summary>The metric search's default density (<c>p</c>).</summary>
    public const int DefaultDensity = StreamOptions.DefaultDensity;

    /// <summary>The AimQL query; empty selects every run (and, for a metric search, every metric) not archived.</summary>
    public string Query { get; init; } = string.Empty;

    /// <summary>Points per trace (metric search).</summary>
    public int Density { get; init; } = DefaultDensity;

    /// <summary>First step streamed, inclusive (metric search).</summary>
    public long FromStep { get; init; } = long.MinValue;

    /// <summary>End of the steps streamed, exclusive (metric search).</summary>
    public long ToStep { get; init; } = long.MaxValue;

    /// <summary>How traces are down-sampled (metric search).</summary>
    public SamplingMethod Sampling { get; init; } = SamplingMethod.Lttb;

    /// <summary>The most runs sent, 0 for all (run search).</summary>
    public int Limit { get; init; }

    /// <summary>Whether a run search sends each run's metric metadata (extension <c>traces=none</c> leaves it out:
    /// the page's runs table does not show it, and it is most of the stream).</summary>
    public bool Traces { get; init; } = true;

    /// <summary>The params a run search sends of each run (extension <c>params=</c>): null for all of them (Aim's
    /// run object), else these paths below <c>params</c> (empty for none). The page's runs table asks for the params
    /// it shows as columns.</summary>
    public IReadOnlyList<IReadOnlyList<PathSegment>>? Params { get; init; }

    /// <summary>The props fields a run search sends of each run (extension <c>props=</c>): null for all of them
    /// (Aim's run object), else these (<see cref="StreamOptions.Props"/>).</summary>
    public IReadOnlyList<string>? Props { get; init; }

    /// <summary>Whether a run search sends a progress record after each run (Aim's <c>report_progress</c>).</summary>
    public bool ReportProgress { get; init; } = true;

    /// <summary>Reads a run search's parameters: <c>q</c>, <c>limit</c>, <c>traces</c>, <c>params</c>, <c>props</c>,
    /// <c>report_progress</c>.</summary>
    public static SearchRequest? ParseRunSearch(IQueryCollection query, out ParameterError? error)
    {
        if (!TryQuery(query, out string q, out error) || !TryInt(query, "limit", 0, 0, int.MaxValue, out int limit, out error) ||
            !TrySingle(query, "traces", out string? traces, out error) || !TrySingle(query, "params", out string? parameters, out error) ||
            !TrySingle(query, "props", out string? props, out error) || !TryBool(query, "report_progress", true, out bool reportProgress, out error))
        {
            return null;
        }

        IReadOnlyList<string>? propFields = null;
        if (props?.Trim() is { Length: > 0 } and not "all" and { } fields)
        {
            propFields = Array.ConvertAll(fields.Split(','), f => f.Trim());
            try
            {
                new StreamOptions { Props = propFields }.Validate();
            }
            catch (ArgumentException e)
            {
                error = new ParameterError("props", props, $"props must be all (the default) or fields separated by commas: {Reason(e)}");
                return null;
            }
        }

        if (traces is not (null or "" or "metric" or "none"))
        {
            error = new ParameterError("traces", traces, "traces must be metric (the default: each run's metrics with their metadata) or none.");
            return null;
        }

        if (!TryParams(parameters, out IReadOnlyList<IReadOnlyList<PathSegment>>? paths, out error))
        {
            return null;
        }

        return new SearchRequest { Query = q, Limit = limit, Traces = traces != "none", Params = paths, Props = propFields, ReportProgress = reportProgress };
    }

    /// <summary>An option's complaint without the " (Parameter 'x')" .NET appends: the client named no such thing.</summary>
    private static string Reason(ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

    /// <summary>A bool parameter as Aim's API (FastAPI) reads one: true, false, 1, 0, yes, no, on, off (any case).</summary>
    private static bool TryBool(IQueryCollection query, string name, bool @default, out bool value, out ParameterError? error)
    {
        value = @default;
        if (!TrySingle(query, name, out string? text, out error) || text is null)
        {
            return error is null;
        }

        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "1" or "yes" or "on":
                value = true;
                return true;
            case "false" or "0" or "no" or "off":
                value = false;
                return true;
            default:
                error = new ParameterError(name, text, $"{name} must be true or false.");
                return false;
        }
    }

    /// <summary><c>params</c>: absent, empty or <c>all</c> for every param; <c>none</c>; or dotted paths of str keys
    /// separated by commas (<c>hparams.lr,hparams.batch_size</c>), none inside another.</summary>
    private static bool TryParams(string? text, out IReadOnlyList<IReadOnlyList<PathSegment>>? paths, out ParameterError? error)
    {
        paths = null;
        error = null;
        string trimmed = text?.Trim() ?? string.Empty;
        if (trimmed is "" or "all")
        {
            return true;
        }

        var list = new List<IReadOnlyList<PathSegment>>();
        if (trimmed != "none")
        {
            foreach (string item in trimmed.Split(','))
            {
                string[] keys = item.Trim().Split('.');
                if (keys.Any(k => k.Length == 0))
                {
                    error = new ParameterError("params", text,
                        $"'{item.Trim()}' is not a param path: params must be all (the default), none, or dotted paths of keys separated by commas, such as hparams.lr,hparams.batch_size.");
                    return false;
                }

                list.Add(Array.ConvertAll(keys, k => new PathSegment(k)));
            }
        }

        try
        {
            new StreamOptions { Params = list }.Validate();
        }
        catch (ArgumentException e)
        {
            error = new ParameterError("params", text, Reason(e));
            return false;
        }

        paths = list;
        return true;
    }

    /// <summary>Reads a metric search's parameters: <c>q</c>, <c>p</c>, <c>x_axis</c>, <c>record_range</c>, <c>sampling</c>.</summary>
    public static SearchRequest? ParseMetricSearch(IQueryCollection query, out ParameterError? error)
    {
        if (!TryQuery(query, out string q, out error) ||
            !TryInt(query, "p", DefaultDensity, 1, AimServerOptions.MaxDensity, out int density, out error) ||
            !TrySingle(query, "x_axis", out string? xAxis, out error) ||
            !TrySingle(query, "record_range", out string? range, out error) ||
            !TrySingle(query, "sampling", out string? sampling, out error))
        {
            return null;
        }

        if (!string.IsNullOrWhiteSpace(xAxis) && xAxis.Trim() != "step")
        {
            error = new ParameterError("x_axis", xAxis,
                "only x_axis=step (the default) is supported; aligning traces by another metric is not implemented.");
            return null;
        }

        (long from, long to) = (long.MinValue, long.MaxValue);
        if (!string.IsNullOrWhiteSpace(range) && !TryRange(range, out from, out to))
        {
            error = new ParameterError("record_range", range,
                "invalid range format: expected 'start:stop' with optional integer ends (a step range [start, stop), start < stop), such as '100:200', ':500' or '1000:'.");
            return null;
        }

        SamplingMethod method = SamplingMethod.Lttb;
        if (!string.IsNullOrWhiteSpace(sampling) &&
            (!sampling.Trim().All(char.IsAsciiLetter) || !Enum.TryParse(sampling.Trim(), ignoreCase: true, out method)))
        {
            error = new ParameterError("sampling", sampling, "sampling must be lttb (the default), minmax or uniform.");
            return null;
        }

        return new SearchRequest { Query = q, Density = density, FromStep = from, ToStep = to, Sampling = method };
    }

    /// <summary>Aim's <c>str_to_range</c> for two parts: <c>start:stop</c>, either end optional.</summary>
    private static bool TryRange(string text, out long from, out long to)
    {
        (from, to) = (long.MinValue, long.MaxValue);
        string[] parts = text.Trim().Split(':');
        if (parts.Length != 2)
        {
            return false;
        }

        return TryEnd(parts[0], long.MinValue, out from) && TryEnd(parts[1], long.MaxValue, out to) && from < to;

        static bool TryEnd(string part, long fallback, out long value)
        {
            value = fallback;
            return part.Trim().Length == 0 || long.TryParse(part.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
        }
    }

    /// <summary>The query; blank is empty. Leading and trailing blanks are kept, so error positions index the text as sent.</summary>
    private static bool TryQuery(IQueryCollection query, out string q, out ParameterError? error)
    {
        q = string.Empty;
        if (!TrySingle(query, "q", out string? text, out error))
        {
            return false;
        }

        q = string.IsNullOrWhiteSpace(text) ? string.Empty : text;
        return true;
    }

    private static bool TryInt(IQueryCollection query, string name, int fallback, int min, int max, out int value, out ParameterError? error)
    {
        value = fallback;
        if (!TrySingle(query, name, out string? text, out error))
        {
            return false;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) || value < min || value > max)
        {
            error = new ParameterError(name, text, string.Create(CultureInfo.InvariantCulture, $"{name} must be an integer from {min} to {max}."));
            return false;
        }

        return true;
    }

    /// <summary>A parameter given at most once.</summary>
    private static bool TrySingle(IQueryCollection query, string name, out string? value, out ParameterError? error)
    {
        StringValues values = query[name];
        value = values.Count == 0 ? null : values[0];
        error = values.Count > 1 ? new ParameterError(name, values.ToString(), $"{name} is given {values.Count} times; give it once.") : null;
        return error is null;
    }
}
