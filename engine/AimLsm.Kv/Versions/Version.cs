namespace AimLsm.Kv.Versions;

/// <summary>
/// The set of live SSTables per level at one point in time. Immutable: a change builds a new version.
/// Invariants: L0 files are ordered newest first (by largest sequence, then number); levels 1+ hold non-overlapping
/// files in internal-key order.
/// Lifetime: a version is referenced by the version set while current and by every super version (and so every
/// read and iterator) that uses it. Its first reference takes a hold on each of its files; its last release drops
/// them, and a file no version holds any more is handed to <see cref="_onObsolete"/> for deletion.
/// </summary>
internal sealed class Version
{
    private int _refs;
    private Action<FileMetadata>? _onObsolete;

    public void Ref()
    {
        if (Interlocked.Increment(ref _refs) == 1)
        {
            foreach (FileMetadata f in AllFiles)
            {
                f.Ref();
            }
        }
    }

    public void Unref()
    {
        int r = Interlocked.Decrement(ref _refs);
        System.Diagnostics.Debug.Assert(r >= 0, "version released more often than referenced");
        if (r == 0)
        {
            foreach (FileMetadata f in AllFiles)
            {
                if (f.Unref())
                {
                    _onObsolete?.Invoke(f);
                }
            }
        }
    }

    /// <summary>Total bytes of the files in a level.</summary>
    public long LevelBytes(int level)
    {
        long n = 0;
        foreach (FileMetadata f in _levels[level])
        {
            n += f.Size;
        }
        return n;
    }

    /// <summary>Levels 0..6, as RocksDB; a level number is part of the MANIFEST format (docs/format.md, "MANIFEST").</summary>
    public const int NumLevels = 7;

    public static readonly Version Empty = new(Enumerable.Range(0, NumLevels).Select(_ => Array.Empty<FileMetadata>()).ToArray());

    private readonly FileMetadata[][] _levels;

    private Version(FileMetadata[][] levels)
    {
        _levels = levels;
    }

    public IReadOnlyList<FileMetadata> Files(int level) => _levels[level];

    public int FileCount
    {
        get
        {
            int n = 0;
            foreach (FileMetadata[] l in _levels)
            {
                n += l.Length;
            }
            return n;
        }
    }

    public IEnumerable<FileMetadata> AllFiles => _levels.SelectMany(l => l);

    /// <summary>Applies an edit, checking that it deletes only files that exist and adds none twice.</summary>
    public Version Apply(VersionEdit edit, Action<FileMetadata>? onObsolete = null)
    {
        var levels = new List<FileMetadata>[NumLevels];
        for (int i = 0; i < NumLevels; i++)
        {
            levels[i] = [.. _levels[i]];
        }
        foreach ((int level, ulong number) in edit.DeletedFiles)
        {
            if (levels[level].RemoveAll(f => f.Number == number) == 0)
            {
                throw new FormatException($"the edit deletes file {number} from level {level}, where it is not");
            }
        }
        foreach ((int level, FileMetadata f) in edit.NewFiles)
        {
            if (levels.Any(l => l.Any(x => x.Number == f.Number)))
            {
                throw new FormatException($"the edit adds file {f.Number} twice");
            }
            levels[level].Add(f);
        }
        levels[0].Sort(static (a, b) => b.LargestSequence != a.LargestSequence
            ? b.LargestSequence.CompareTo(a.LargestSequence)
            : b.Number.CompareTo(a.Number));
        for (int i = 1; i < NumLevels; i++)
        {
            levels[i].Sort(static (a, b) => a.Smallest.Length < Keys.InternalKey.TrailerSize || b.Smallest.Length < Keys.InternalKey.TrailerSize
                ? a.Smallest.AsSpan().SequenceCompareTo(b.Smallest)
                : Keys.InternalKey.Compare(a.Smallest, b.Smallest));
        }
        return new Version(levels.Select(l => l.ToArray()).ToArray()) { _onObsolete = onObsolete ?? _onObsolete };
    }
}
