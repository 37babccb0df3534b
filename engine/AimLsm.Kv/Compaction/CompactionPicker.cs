using AimLsm.Kv.Versions;

namespace AimLsm.Kv.Compaction;

/// <summary>
/// Chooses the next compaction by score (RocksDB's leveled picker): the level furthest past its target goes first;
/// L0 takes all its files into the base level; a level below takes one file, round-robin through its key space, into
/// the next level. Not thread-safe: the database mutex guards it.
/// </summary>
internal sealed class CompactionPicker(CompactionOptions options)
{
    /// <summary>Per level, the largest user key of the last file compacted from it: the round-robin cursor.</summary>
    private readonly byte[]?[] _cursor = new byte[]?[Versions.Version.NumLevels];

    /// <summary>The most urgent compaction for <paramref name="v"/>, or null when every level is within target.</summary>
    public CompactionPlan? Pick(Versions.Version v)
    {
        LevelSizing sizing = LevelSizing.Compute(v, options);
        int best = -1;
        double bestScore = 1;
        for (int l = 0; l < LevelSizing.LastLevel; l++)
        {
            if (sizing.Scores[l] >= bestScore)
            {
                best = l;
                bestScore = sizing.Scores[l];
            }
        }
        if (best < 0)
        {
            return null;
        }
        return best == 0 ? PickLevel0(v, sizing) : PickLevel(v, best);
    }

    /// <summary>The level L0 compacts into: the base level, or a higher non-empty level, so newer data never lands below older.</summary>
    public static int Level0OutputLevel(Versions.Version v, LevelSizing sizing)
    {
        for (int l = 1; l < sizing.BaseLevel; l++)
        {
            if (v.Files(l).Count > 0)
            {
                return l;
            }
        }
        return sizing.BaseLevel;
    }

    private CompactionPlan? PickLevel0(Versions.Version v, LevelSizing sizing)
    {
        var inputs = v.Files(0).Where(f => !f.BeingCompacted).ToList();
        if (inputs.Count == 0 || inputs.Count != v.Files(0).Count)
        {
            return null; // another compaction holds part of L0; wait for it
        }
        return Expand(v, 0, Level0OutputLevel(v, sizing), inputs, manual: false);
    }

    private CompactionPlan? PickLevel(Versions.Version v, int level)
    {
        IReadOnlyList<FileMetadata> files = v.Files(level);
        int start = 0;
        if (_cursor[level] is byte[] cursor)
        {
            while (start < files.Count && files[start].LargestUserKey.SequenceCompareTo(cursor) <= 0)
            {
                start++;
            }
        }
        for (int i = 0; i < files.Count; i++)
        {
            FileMetadata f = files[(start + i) % files.Count];
            if (f.BeingCompacted)
            {
                continue;
            }
            CompactionPlan? plan = Expand(v, level, level + 1, [f], manual: false);
            if (plan is not null)
            {
                _cursor[level] = f.LargestUserKey.ToArray();
                return plan;
            }
        }
        return null;
    }

    /// <summary>
    /// The L0 files a manual compaction of [<paramref name="lo"/>, <paramref name="end"/>] (null: unbounded) must take:
    /// those meeting the range, then every L0 file meeting the inputs' span, until none is added. L0 files overlap,
    /// and a taken file's range tombstones reach over its whole span: an older L0 file left behind under that span
    /// would sit above the newer tombstones once they move down, and the compaction, seeing no older data below
    /// its output level, would drop them, so that the data they deleted came back (a deleted run resurrected).
    /// INVARIANT (the result): no L0 file outside it overlaps <see cref="Range"/> of it.
    /// </summary>
    public static List<FileMetadata> Level0Inputs(Versions.Version v, byte[] lo, byte[]? end)
    {
        IReadOnlyList<FileMetadata> files = v.Files(0);
        var inputs = files.Where(f => f.LargestUserKey.SequenceCompareTo(lo) >= 0
            && (end is null || f.SmallestUserKey.SequenceCompareTo(end) <= 0)).ToList();
        // Each pass adds at least one file or stops: at most files.Count passes.
        while (inputs.Count > 0 && inputs.Count < files.Count)
        {
            (byte[] spanLo, byte[] spanHi) = Range(inputs);
            List<FileMetadata> closed = Overlapping(files, spanLo, spanHi);
            if (closed.Count == inputs.Count)
            {
                break;
            }
            inputs = closed;
        }
        return inputs;
    }

    /// <summary>Adds the output level's overlapping files; null when one of them is busy in another compaction.</summary>
    public static CompactionPlan? Expand(Versions.Version v, int level, int outputLevel, List<FileMetadata> inputs, bool manual)
    {
        (byte[] lo, byte[] hi) = Range(inputs);
        List<FileMetadata> overlap = Overlapping(v.Files(outputLevel), lo, hi);
        if (overlap.Any(f => f.BeingCompacted))
        {
            return null;
        }
        return new CompactionPlan(level, outputLevel, inputs, overlap, manual);
    }

    /// <summary>The smallest and largest user keys the files span.</summary>
    public static (byte[] Lo, byte[] Hi) Range(IEnumerable<FileMetadata> files)
    {
        byte[]? lo = null, hi = null;
        foreach (FileMetadata f in files)
        {
            if (lo is null || f.SmallestUserKey.SequenceCompareTo(lo) < 0)
            {
                lo = f.SmallestUserKey.ToArray();
            }
            if (hi is null || f.LargestUserKey.SequenceCompareTo(hi) > 0)
            {
                hi = f.LargestUserKey.ToArray();
            }
        }
        return (lo ?? [], hi ?? []);
    }

    /// <summary>Files whose user-key range meets [lo, hi] (inclusive on both ends: erring wide is safe).</summary>
    public static List<FileMetadata> Overlapping(IReadOnlyList<FileMetadata> files, ReadOnlySpan<byte> lo, ReadOnlySpan<byte> hi)
    {
        var result = new List<FileMetadata>();
        foreach (FileMetadata f in files)
        {
            if (f.LargestUserKey.SequenceCompareTo(lo) >= 0 && f.SmallestUserKey.SequenceCompareTo(hi) <= 0)
            {
                result.Add(f);
            }
        }
        return result;
    }
}
