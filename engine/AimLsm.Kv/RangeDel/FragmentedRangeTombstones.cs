namespace AimLsm.Kv.RangeDel;

/// <summary>
/// Range tombstones cut into non-overlapping fragments, each with the sequence numbers of every tombstone covering it,
/// newest first (RocksDB's FragmentedRangeTombstoneList). Answers "what is the newest tombstone at or below snapshot S
/// that covers key K" with one binary search, so reads pay O(log n) per source however the tombstones overlap.
/// Immutable after construction and therefore thread-safe.
/// </summary>
internal sealed class FragmentedRangeTombstones
{
    public static readonly FragmentedRangeTombstones Empty = new([], [], [0], []);

    private readonly byte[][] _starts;
    private readonly byte[][] _ends;
    private readonly int[] _seqStart; // fragment i's sequences are _seqs[_seqStart[i] .. _seqStart[i + 1])
    private readonly ulong[] _seqs;

    private FragmentedRangeTombstones(byte[][] starts, byte[][] ends, int[] seqStart, ulong[] seqs)
    {
        _starts = starts;
        _ends = ends;
        _seqStart = seqStart;
        _seqs = seqs;
    }

    /// <summary>The number of fragments.</summary>
    public int Count => _starts.Length;

    public bool IsEmpty => _starts.Length == 0;

    /// <summary>Fragments <paramref name="tombstones"/>, every sequence kept: readers filter by snapshot at lookup.</summary>
    public static FragmentedRangeTombstones Build(IReadOnlyList<RangeTombstone> tombstones)
    {
        var live = new List<RangeTombstone>(tombstones.Count);
        foreach (RangeTombstone t in tombstones)
        {
            if (t.Start.AsSpan().SequenceCompareTo(t.End) < 0)
            {
                live.Add(t);
            }
        }
        if (live.Count == 0)
        {
            return Empty;
        }
        live.Sort(static (a, b) => a.Start.AsSpan().SequenceCompareTo(b.Start));
        var points = new List<byte[]>(live.Count * 2);
        foreach (RangeTombstone t in live)
        {
            points.Add(t.Start);
            points.Add(t.End);
        }
        points.Sort(static (a, b) => a.AsSpan().SequenceCompareTo(b));

        var starts = new List<byte[]>();
        var ends = new List<byte[]>();
        var seqStart = new List<int> { 0 };
        var seqs = new List<ulong>();
        var active = new List<RangeTombstone>();
        int next = 0;
        for (int i = 0; i + 1 < points.Count; i++)
        {
            byte[] p = points[i];
            byte[] q = points[i + 1];
            if (p.AsSpan().SequenceEqual(q))
            {
                continue;
            }
            active.RemoveAll(t => t.End.AsSpan().SequenceCompareTo(p) <= 0);
            while (next < live.Count && live[next].Start.AsSpan().SequenceCompareTo(p) <= 0)
            {
                active.Add(live[next++]);
            }
            if (active.Count == 0)
            {
                continue;
            }
            starts.Add(p);
            ends.Add(q);
            int first = seqs.Count;
            foreach (RangeTombstone t in active)
            {
                seqs.Add(t.Sequence);
            }
            seqs.Sort(first, seqs.Count - first, DescendingComparer.Instance);
            seqStart.Add(seqs.Count);
        }
        return new FragmentedRangeTombstones([.. starts], [.. ends], [.. seqStart], [.. seqs]);
    }

    /// <summary>
    /// The sequence number of the newest tombstone that covers <paramref name="userKey"/> and is visible at
    /// <paramref name="snapshot"/> (sequence at or below it), or 0 when none does.
    /// </summary>
    public ulong MaxCoveringSequence(ReadOnlySpan<byte> userKey, ulong snapshot)
    {
        if (_starts.Length == 0)
        {
            return 0;
        }
        int found = FindFragment(userKey);
        if (found < 0)
        {
            return 0;
        }
        for (int i = _seqStart[found]; i < _seqStart[found + 1]; i++)
        {
            if (_seqs[i] <= snapshot)
            {
                return _seqs[i];
            }
        }
        return 0;
    }

    /// <summary>
    /// The smallest sequence number above <paramref name="sequence"/> of a tombstone covering <paramref name="userKey"/>,
    /// or 0 when none: the tombstone that first hides a version at <paramref name="sequence"/> (compaction's question).
    /// </summary>
    public ulong SmallestCoveringAbove(ReadOnlySpan<byte> userKey, ulong sequence)
    {
        int found = FindFragment(userKey);
        if (found < 0)
        {
            return 0;
        }
        ulong best = 0;
        for (int i = _seqStart[found]; i < _seqStart[found + 1] && _seqs[i] > sequence; i++)
        {
            best = _seqs[i]; // descending: the last one above is the smallest
        }
        return best;
    }

    /// <summary>The fragment holding <paramref name="userKey"/>, or -1.</summary>
    private int FindFragment(ReadOnlySpan<byte> userKey)
    {
        int lo = 0, hi = _starts.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_starts[mid].AsSpan().SequenceCompareTo(userKey) <= 0)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found >= 0 && userKey.SequenceCompareTo(_ends[found]) < 0 ? found : -1;
    }

    private sealed class DescendingComparer : IComparer<ulong>
    {
        public static readonly DescendingComparer Instance = new();

        public int Compare(ulong x, ulong y) => y.CompareTo(x);
    }
}
