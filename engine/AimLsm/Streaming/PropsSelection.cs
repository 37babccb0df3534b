using AimLsm.Tree;

namespace AimLsm.Streaming;

/// <summary>
/// A run's <c>props</c> in the shape of Aim's <c>get_run_props</c>, whole or cut to the fields a listing shows
/// (<see cref="StreamOptions.Props"/>). The shape is fixed: <c>name</c>, <c>description</c>, <c>experiment</c> (a dict
/// of <c>id</c>, <c>name</c>, <c>description</c>, or None), <c>tags</c> (a list of dicts of <c>id</c>, <c>name</c>,
/// <c>color</c>, <c>description</c>), <c>archived</c>, <c>creation_time</c>, <c>end_time</c>, <c>active</c>; a field
/// is named by its key, a field of the experiment or of every tag by <c>experiment.name</c> or <c>tags.name</c>.
/// </summary>
internal sealed class PropsSelection
{
    /// <summary>The top-level fields, in the order Aim's <c>get_run_props</c> builds them.</summary>
    private static readonly string[] Fields = ["name", "description", "experiment", "tags", "archived", "creation_time", "end_time", "active"];

    private static readonly string[] ExperimentFields = ["id", "name", "description"];

    private static readonly string[] TagFields = ["id", "name", "color", "description"];

    // Per top-level field: absent (not sent), empty (sent whole), or the sub-fields sent.
    private readonly Dictionary<string, HashSet<string>> _selected = new(StringComparer.Ordinal);

    private PropsSelection()
    {
    }

    /// <summary>Every field, as Aim sends them.</summary>
    public static PropsSelection All { get; } = Parse(Fields);

    /// <summary>The text naming every field one may select, for error messages.</summary>
    public static string Known { get; } = string.Join(", ", Fields.SelectMany(f =>
        f switch
        {
            "experiment" => ExperimentFields.Select(s => "experiment." + s).Prepend(f),
            "tags" => TagFields.Select(s => "tags." + s).Prepend(f),
            _ => [f],
        }));

    /// <summary>Reads a selection: each item a field or a field's sub-field, none inside another.</summary>
    /// <exception cref="ArgumentException">An unknown field, or two items where one lies inside the other.</exception>
    public static PropsSelection Parse(IReadOnlyList<string> paths)
    {
        var props = new PropsSelection();
        for (int i = 0; i < paths.Count; i++)
        {
            string path = paths[i] ?? string.Empty;
            int dot = path.IndexOf('.', StringComparison.Ordinal);
            string top = dot < 0 ? path : path[..dot];
            string? sub = dot < 0 ? null : path[(dot + 1)..];
            string[]? subFields = top switch
            {
                "experiment" => ExperimentFields,
                "tags" => TagFields,
                _ => null,
            };
            if (Array.IndexOf(Fields, top) < 0 || (sub is not null && (subFields is null || Array.IndexOf(subFields, sub) < 0)))
            {
                throw new ArgumentException($"Props[{i}] ('{path}') is not a field of a run's props: one of {Known}.", nameof(paths));
            }

            if (props._selected.TryGetValue(top, out HashSet<string>? chosen) && (sub is null || chosen.Count == 0 || !chosen.Add(sub)))
            {
                throw new ArgumentException(
                    $"Props[{i}] ('{path}') overlaps an earlier item: a field, or a field and one of its sub-fields, is named twice.",
                    nameof(paths));
            }

            if (chosen is null)
            {
                props._selected[top] = sub is null ? [] : [sub];
            }
        }

        return props;
    }

    /// <summary>The run's props: the selected fields, in Aim's order; a sub-field selection keeps the experiment
    /// None and the tags list's length.</summary>
    public Dictionary<string, object?> Build(Run run)
    {
        var props = new Dictionary<string, object?>(_selected.Count, StringComparer.Ordinal);
        foreach (string field in Fields)
        {
            if (!_selected.TryGetValue(field, out HashSet<string>? sub))
            {
                continue;
            }

            props[field] = field switch
            {
                "name" => run.Name,
                "description" => run.Description,
                "experiment" => run.Experiment is { } experiment ? Dict(sub, ExperimentFields, [experiment, experiment, null]) : null,
                "tags" => run.Tags.Select(tag => (object?)Dict(sub, TagFields, [tag, tag, null, null])).ToList(),
                "archived" => run.Archived,
                "creation_time" => UnixSeconds(run.CreatedAt),
                "end_time" => run.EndTime is { } end ? UnixSeconds(end) : null,
                _ => run.Active,
            };
        }

        return props;
    }

    private static Dictionary<string, object?> Dict(HashSet<string> selected, string[] keys, object?[] values)
    {
        var dict = new Dictionary<string, object?>(keys.Length, StringComparer.Ordinal);
        for (int i = 0; i < keys.Length; i++)
        {
            if (selected.Count == 0 || selected.Contains(keys[i]))
            {
                dict[keys[i]] = values[i];
            }
        }

        return dict;
    }

    private static double UnixSeconds(DateTime utc) => (utc - DateTime.UnixEpoch).TotalSeconds;
}
