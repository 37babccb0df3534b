using AimLsm.Kv.Versions;

namespace AimLsm.Kv.Compaction;

/// <summary>
/// One compaction to run: input files from a level and the overlapping files of the output level, merged into new
/// files in the output level (or, for a trivial move, one file relinked there without rewriting).
/// </summary>
internal sealed class CompactionPlan(int level, int outputLevel, List<FileMetadata> inputs, List<FileMetadata> outputLevelInputs, bool manual)
{
    public int Level { get; } = level;

    public int OutputLevel { get; } = outputLevel;

    public List<FileMetadata> Inputs { get; } = inputs;

    /// <summary>Files of the output level that overlap the inputs: rewritten with them.</summary>
    public List<FileMetadata> OutputLevelInputs { get; } = outputLevelInputs;

    public bool Manual { get; } = manual;

    /// <summary>
    /// Files moving down with nothing below to merge with and no overlap among themselves (one file, or several
    /// non-overlapping L0 files from a sequential load): RocksDB's trivial move, a MANIFEST edit without rewriting.
    /// </summary>
    public bool IsTrivialMove
    {
        get
        {
            if (OutputLevelInputs.Count != 0 || Inputs.Count == 0)
            {
                return false;
            }
            var sorted = Inputs.OrderBy(f => f.Smallest, Comparer<byte[]>.Create(static (a, b) => Keys.InternalKey.Compare(a, b))).ToList();
            for (int i = 1; i < sorted.Count; i++)
            {
                if (sorted[i - 1].LargestUserKey.SequenceCompareTo(sorted[i].SmallestUserKey) >= 0)
                {
                    return false;
                }
            }
            return true;
        }
    }

    public IEnumerable<(int Level, FileMetadata File)> AllInputs =>
        Inputs.Select(f => (Level, f)).Concat(OutputLevelInputs.Select(f => (OutputLevel, f)));

    public long InputBytes => Inputs.Sum(f => f.Size) + OutputLevelInputs.Sum(f => f.Size);

    public void MarkBeingCompacted(bool value)
    {
        foreach ((_, FileMetadata f) in AllInputs)
        {
            f.BeingCompacted = value;
        }
    }

    public override string ToString() =>
        $"L{Level}->L{OutputLevel}: {Inputs.Count}+{OutputLevelInputs.Count} files, {InputBytes / 1024.0:F0} KiB{(IsTrivialMove ? " (trivial move)" : "")}";
}
