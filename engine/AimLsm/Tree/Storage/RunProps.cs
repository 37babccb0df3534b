using AimLsm.Kv;
using AimLsm.Encoding;

namespace AimLsm.Tree.Storage;

/// <summary>
/// A run's structured properties, stored one key each under <c>('runs', H, 'props')</c> (docs/format.md,
/// section 13.1): <c>name</c>, <c>experiment</c>, <c>description</c> (str or None), <c>tags</c> (list of str),
/// <c>archived</c> (bool), <c>created_at</c> and <c>end_time</c> (Unix seconds as float; end_time None while the
/// run is active). Aim keeps these in SQLite; here they are part of the run's tree, so one engine holds it all.
/// </summary>
internal sealed class RunProps
{
    public const string NameKey = "name";
    public const string ExperimentKey = "experiment";
    public const string DescriptionKey = "description";
    public const string TagsKey = "tags";
    public const string ArchivedKey = "archived";
    public const string CreatedAtKey = "created_at";
    public const string EndTimeKey = "end_time";

    public string? Name { get; set; }

    public string? Experiment { get; set; }

    public string? Description { get; set; }

    public List<string> Tags { get; set; } = [];

    public bool Archived { get; set; }

    public double CreatedAt { get; set; }

    public double? EndTime { get; set; }

    /// <summary>
    /// How many tag elements are stored under the tags list, so that a rewrite can delete the ones past the new count
    /// with point deletes instead of a range tombstone; -1 when the stored tags are not a list (rewrite the subtree).
    /// </summary>
    public int StoredTagCount { get; set; }

    public static RunProps Load(Db db, string hash)
    {
        using Iterator it = db.NewIterator();
        return Load(new ReadScope(it, null), hash);
    }

    /// <summary>
    /// Reads the props subtree key by key, without building a generic tree: every query evaluates
    /// <c>run.archived</c> on every run, so this is the hottest read of a run query. Fields of an unexpected type
    /// read as unset, and keys this version does not know are skipped, as the generic fold would have left them unread.
    /// </summary>
    public static RunProps Load(ReadScope scope, string hash)
    {
        var props = new RunProps();
        byte[] prefix = RepoKeys.Props(hash);
        bool tagsIsList = false, tagsSeen = false;
        for (bool ok = scope.SeekSubtree(prefix); ok; ok = scope.NextInSubtree(prefix))
        {
            ReadOnlySpan<byte> relative = scope.Iterator.Key[prefix.Length..];
            var path = new TreePathReader(relative);
            if (!path.MoveNext() || path.IsInt)
            {
                continue;
            }

            ReadOnlySpan<byte> field = path.Utf8;
            bool nested = path.MoveNext();
            var value = AimValue.Parse(scope.Iterator.Value);
            if (field.SequenceEqual("tags"u8))
            {
                tagsSeen = true;
                if (!nested)
                {
                    tagsIsList = value.Type == AimType.List;
                }
                else if (tagsIsList && path.IsInt && path.Int >= 0 && !path.MoveNext())
                {
                    props.StoredTagCount = (int)Math.Min(int.MaxValue, path.Int + 1);
                    if (value.Type == AimType.Str)
                    {
                        props.Tags.Add(value.AsString());
                    }
                }

                continue;
            }

            if (nested)
            {
                continue;
            }

            if (field.SequenceEqual("name"u8))
            {
                props.Name = value.Type == AimType.Str ? value.AsString() : null;
            }
            else if (field.SequenceEqual("experiment"u8))
            {
                props.Experiment = value.Type == AimType.Str ? value.AsString() : null;
            }
            else if (field.SequenceEqual("description"u8))
            {
                props.Description = value.Type == AimType.Str ? value.AsString() : null;
            }
            else if (field.SequenceEqual("archived"u8))
            {
                props.Archived = value.Type == AimType.Bool && value.AsBool();
            }
            else if (field.SequenceEqual("created_at"u8))
            {
                props.CreatedAt = value.Type == AimType.Float ? value.AsDouble() : 0;
            }
            else if (field.SequenceEqual("end_time"u8))
            {
                props.EndTime = value.Type == AimType.Float ? value.AsDouble() : null;
            }
        }

        if (tagsSeen && !tagsIsList)
        {
            props.StoredTagCount = -1; // not a list: a rewrite replaces the whole subtree
        }

        return props;
    }

    public Dictionary<string, object?> ToDictionary() => new(StringComparer.Ordinal)
    {
        [NameKey] = Name,
        [ExperimentKey] = Experiment,
        [DescriptionKey] = Description,
        [TagsKey] = Tags.ToArray(),
        [ArchivedKey] = Archived,
        [CreatedAtKey] = CreatedAt,
        [EndTimeKey] = EndTime,
    };

    public static double Now() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;

    public static DateTime ToDateTime(double unixSeconds) => DateTime.UnixEpoch.AddTicks((long)(unixSeconds * TimeSpan.TicksPerSecond));
}
