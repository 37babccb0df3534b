using AimLsm.Kv.Common;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// A sequence's chunks in numeric step order, for a <see cref="SequenceWriter"/> that has seen late points: the
/// slots, and their smallest steps in a parallel array so that finding a step's chunk is a binary search over
/// contiguous longs (a million-step sequence has about 4,000 chunks: 32 KB, cache-resident) rather than a pointer
/// chase per probe. Invariant: the starts strictly increase and equal the slots' <see cref="ChunkSlot.MinStep"/>.
/// Not thread-safe: owned by the background writer.
/// </summary>
internal sealed class ChunkIndex
{
    private readonly List<ChunkSlot> _slots = [];
    private long[] _starts = new long[16];

    public int Count => _slots.Count;

    public ChunkSlot this[int index] => _slots[index];

    public void Add(ChunkSlot slot) => Insert(Count, slot);

    /// <summary>Inserts <paramref name="slot"/> at <paramref name="index"/>, where its step keeps the order.</summary>
    public void Insert(int index, ChunkSlot slot)
    {
        Invariant.Holds((index == 0 || _starts[index - 1] < slot.MinStep) && (index == Count || slot.MinStep < _starts[index]),
            "a sequence's chunks are indexed in strictly increasing order of their smallest steps");
        if (Count == _starts.Length)
        {
            Array.Resize(ref _starts, 2 * _starts.Length);
        }

        Array.Copy(_starts, index, _starts, index + 1, Count - index);
        _starts[index] = slot.MinStep;
        _slots.Insert(index, slot);
    }

    /// <summary>The position of the last chunk whose smallest step is at most <paramref name="step"/>, or -1.</summary>
    public int Floor(long step)
    {
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (_starts[mid] <= step)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo - 1;
    }

    /// <summary>The position of <paramref name="slot"/>, which is indexed.</summary>
    public int IndexOf(ChunkSlot slot)
    {
        int index = Floor(slot.MinStep);
        Invariant.Holds(index >= 0 && _slots[index] == slot, "the slot is indexed");
        return index;
    }

    /// <summary>Gives <paramref name="slot"/> a new smallest step that keeps the order (a step inserted below its first).</summary>
    public void Rekey(ChunkSlot slot, long minStep)
    {
        int index = IndexOf(slot);
        Invariant.Holds(index == 0 || _starts[index - 1] < minStep,
            "a sequence's chunks are indexed in strictly increasing order of their smallest steps");
        _starts[index] = minStep;
        slot.MinStep = minStep;
    }

    public List<ChunkSlot>.Enumerator GetEnumerator() => _slots.GetEnumerator();
}
