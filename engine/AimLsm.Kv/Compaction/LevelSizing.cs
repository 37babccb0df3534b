using AimLsm.Kv.Versions;

namespace AimLsm.Kv.Compaction;

/// <summary>
/// Where each level should stand, and how urgently each needs compaction, for one version (RocksDB's leveled
/// compaction with <c>level_compaction_dynamic_level_bytes</c>): the last level's size anchors the targets, each
/// level above is a tenth (the multiplier) of the one below, and the highest level whose target is still at least
/// <see cref="CompactionOptions.MaxBytesForLevelBase"/> is the base level, where L0 compacts to. While the database is small
/// the base level is the last one, so L0 compacts straight to L6 and the levels between stay empty.
/// Immutable once computed.
/// </summary>
internal sealed class LevelSizing
{
    private LevelSizing(Versions.Version version, int baseLevel, long[] targets, double[] scores, long pendingBytes)
    {
        ComputedFor = version;
        BaseLevel = baseLevel;
        Targets = targets;
        Scores = scores;
        PendingCompactionBytes = pendingBytes;
    }

    public const int LastLevel = Versions.Version.NumLevels - 1;

    /// <summary>The version these figures describe (the database caches one sizing per current version).</summary>
    public Versions.Version ComputedFor { get; }

    /// <summary>The level L0 compacts into.</summary>
    public int BaseLevel { get; }

    /// <summary>Target bytes per level (0 for L0 and for the unused levels above the base level).</summary>
    public long[] Targets { get; }

    /// <summary>Compaction scores per level: at least 1 means the level needs compaction.</summary>
    public double[] Scores { get; }

    /// <summary>Estimated bytes compaction must rewrite to bring every level within target (RocksDB's estimate).</summary>
    public long PendingCompactionBytes { get; }

    public static LevelSizing Compute(Versions.Version v, CompactionOptions o)
    {
        long baseBytes = o.MaxBytesForLevelBase;
        int mult = o.MaxBytesForLevelMultiplier;
        long bottom = 0;
        for (int l = 1; l <= LastLevel; l++)
        {
            bottom = Math.Max(bottom, v.LevelBytes(l));
        }
        var targets = new long[Versions.Version.NumLevels];
        targets[LastLevel] = Math.Max(bottom, baseBytes);
        int baseLevel = LastLevel;
        while (baseLevel > 1 && targets[baseLevel] / mult >= baseBytes)
        {
            targets[baseLevel - 1] = targets[baseLevel] / mult;
            baseLevel--;
        }

        var scores = new double[Versions.Version.NumLevels];
        int l0 = 0;
        long l0Bytes = 0;
        foreach (FileMetadata f in v.Files(0))
        {
            if (!f.BeingCompacted)
            {
                l0++;
                l0Bytes += f.Size;
            }
        }
        scores[0] = (double)l0 / o.Level0FileNumCompactionTrigger;
        long pending = l0 >= o.Level0FileNumCompactionTrigger ? l0Bytes + v.LevelBytes(baseLevel) : 0;
        for (int l = 1; l < LastLevel; l++)
        {
            long bytes = 0;
            foreach (FileMetadata f in v.Files(l))
            {
                if (!f.BeingCompacted)
                {
                    bytes += f.Size;
                }
            }
            if (l < baseLevel)
            {
                // Above the base level a level should be empty (the base moved down as data shrank): drain it.
                scores[l] = bytes > 0 ? 1 + ((double)bytes / baseBytes) : 0;
                pending += bytes;
            }
            else
            {
                scores[l] = (double)bytes / targets[l];
                if (bytes > targets[l])
                {
                    pending += (bytes - targets[l]) * (mult + 1);
                }
            }
        }
        return new LevelSizing(v, baseLevel, targets, scores, pending);
    }
}
