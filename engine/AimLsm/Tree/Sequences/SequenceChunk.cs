using System.Buffers;
using System.Diagnostics;
using System.Buffers.Binary;
using AimLsm.Encoding;
using AimLsm.Kv.Common;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// A chunk being written: up to a few hundred records with distinct steps, kept sorted by step. The background
/// writer keeps a sequence's last chunk (and the chunks late points go to) in memory and writes them whole
/// (docs/format.md, section 13.2). Invariants: Count ≥ 1 once built; steps strictly increase; all steps have the same
/// sign (a chunk never spans step 0 from below, so that chunks in key order are in numeric order within each sign).
/// Memory: about 33 bytes a record, in arrays that start at <see cref="InitialCapacity"/> records and grow by half,
/// so a run with 100,000 sequences of a few points each holds a few points' worth per sequence, not a chunk's.
/// Values that are not int, float, bool or None keep their <see cref="TrackedValue"/> in an array allocated only
/// when the first such value arrives. Not thread-safe: owned by the tracking thread.
/// <para>
/// Late points (issue 14.5): a step that falls inside the chunk is not inserted at once (which would shift every
/// record above it, in five arrays, for each point: the main cost of a random arrival order), but kept unsorted after
/// the sorted records, up to <see cref="PendingLimit"/> of them, then merged in one backward pass that moves each
/// record at most once. Invariants: records [0, _sorted) strictly increase; records [_sorted, Count) (the pending
/// ones) have steps distinct from each other and from the sorted ones; while any are pending, <c>_others</c> is null
/// (a value outside the bits merges first, so the merge needs no managed scratch). Whatever reads records in order
/// (<see cref="Encode"/>, <see cref="SplitUpperHalf"/>, <see cref="StepAt"/>, <see cref="ValueAt"/>) merges first.
/// </para>
/// </summary>
internal sealed class SequenceChunk
{
    /// <summary>Records the arrays start with.</summary>
    public const int InitialCapacity = 4;

    /// <summary>Late records kept unsorted before a merge: the merge's scratch is on the stack, so this stays small;
    /// 32 turns the per-point shift of about half a chunk into one shift per 32 points.</summary>
    public const int PendingLimit = 32;

    private long[] _steps;
    private long[] _epochs;
    private long[] _times;
    private long[] _bits;
    private AimType[] _types;

    // The values _bits cannot hold (str, bytes, lists, dicts, objects), at their index; null until one arrives.
    private TrackedValue[]? _others;

    // The sorted prefix's length, and the smallest and largest pending step (meaningful while Count > _sorted).
    private int _sorted;
    private long _pendingMin;
    private long _pendingMax;

    public SequenceChunk(int capacity = InitialCapacity)
    {
        capacity = Math.Max(1, capacity);
        _steps = new long[capacity];
        _epochs = new long[capacity];
        _times = new long[capacity];
        _bits = new long[capacity];
        _types = new AimType[capacity];
    }

    public int Count { get; private set; }

    public long MinStep => Count > _sorted && (_sorted == 0 || _pendingMin < _steps[0]) ? _pendingMin : _steps[0];

    public long MaxStep => Count > _sorted && (_sorted == 0 || _pendingMax > _steps[_sorted - 1]) ? _pendingMax : _steps[_sorted - 1];

    /// <summary>The step of the record at <paramref name="index"/> in step order.</summary>
    public long StepAt(int index)
    {
        Normalize();
        return _steps[index];
    }

    /// <summary>The value of the record at <paramref name="index"/> in step order.</summary>
    public TrackedValue ValueAt(int index)
    {
        Normalize();
        return RawValue(index);
    }

    /// <summary>Decodes a stored chunk of either format version.</summary>
    /// <exception cref="AimFormatException">The bytes are not a valid chunk.</exception>
    public static SequenceChunk Decode(ReadOnlySpan<byte> data)
    {
        var view = new ChunkView(data);
        var chunk = new SequenceChunk(view.Count + (view.Count >> 2));
        for (int i = 0; i < view.Count; i++)
        {
            chunk.Append(new SequencePoint(view.Steps[i], view.Epoch(i), view.TimesMicros[i], view.Value(i)));
        }

        return chunk;
    }

    /// <summary>Empties the chunk, keeping its arrays for the next one.</summary>
    public void Clear()
    {
        if (_others is not null)
        {
            Array.Clear(_others, 0, Count);
        }

        Count = 0;
        _sorted = 0;
    }

    /// <summary>Shrinks the arrays to a quarter above <see cref="Count"/> when they are larger (after a split, so that
    /// the chunks late points keep in memory cost about their records).</summary>
    public void TrimExcess()
    {
        Normalize();
        int size = Math.Max(InitialCapacity, Count + (Count >> 2));
        if (_steps.Length > size + (size >> 2))
        {
            Resize(size);
        }
    }

    /// <summary>Whether <paramref name="step"/> may join this chunk without breaking the one-sign invariant.</summary>
    public bool SameSign(long step) => (step < 0) == (MinStep < 0);

    /// <summary>Adds a point whose step is above every step in the chunk.</summary>
    public void Append(in SequencePoint point)
    {
        // Relied on: Append places the point last, so a lower step would break the step order every read searches.
        Invariant.Holds(Count == 0 || point.Step > MaxStep, "Append takes a step above every step of the chunk");
        if (Count > _sorted)
        {
            if (InBits(point.Value.Type))
            {
                AddPending(point);
                return;
            }

            Normalize();
        }

        if (Count == _steps.Length)
        {
            Grow();
        }

        Set(Count, point);
        Count++;
        _sorted = Count;
    }

    /// <summary>Inserts the point, or replaces the record at its step.</summary>
    /// <returns>True when a record was replaced; <paramref name="replaced"/> is its old value.</returns>
    public bool Upsert(in SequencePoint point, out TrackedValue replaced)
    {
        bool inBits = InBits(point.Value.Type);
        if (!inBits)
        {
            Normalize(); // keeps "nothing pending while _others exists"
        }

        int index = Search(_sorted, point.Step);
        if (index < 0 && Count > _sorted)
        {
            int pending = _steps.AsSpan(_sorted, Count - _sorted).IndexOf(point.Step);
            index = pending >= 0 ? _sorted + pending : index;
        }

        if (index >= 0)
        {
            replaced = RawValue(index);
            Set(index, point);
            return true;
        }

        replaced = default;
        index = ~index;
        if (index == Count || (inBits && _others is null))
        {
            // Above every record (nothing shifts), or a late record: kept pending, merged PendingLimit at a time.
            if (index == Count && Count == _sorted)
            {
                Append(point);
            }
            else
            {
                AddPending(point);
            }

            return false;
        }

        if (Count == _steps.Length)
        {
            Grow();
        }

        int tail = Count - index;
        Array.Copy(_steps, index, _steps, index + 1, tail);
        Array.Copy(_epochs, index, _epochs, index + 1, tail);
        Array.Copy(_times, index, _times, index + 1, tail);
        Array.Copy(_bits, index, _bits, index + 1, tail);
        Array.Copy(_types, index, _types, index + 1, tail);
        if (_others is not null)
        {
            Array.Copy(_others, index, _others, index + 1, tail);
        }

        Set(index, point);
        Count++;
        _sorted = Count;
        return false;
    }

    /// <summary>Merges the pending records into the sorted ones (see the class remarks).</summary>
    public void Normalize()
    {
        int k = Count - _sorted;
        if (k == 0)
        {
            return;
        }

        Debug.Assert(_others is null && k <= PendingLimit, "pending records hold their values in the bits");
        Span<long> steps = stackalloc long[PendingLimit];
        Span<long> epochs = stackalloc long[PendingLimit];
        Span<long> times = stackalloc long[PendingLimit];
        Span<long> bits = stackalloc long[PendingLimit];
        Span<AimType> types = stackalloc AimType[PendingLimit];
        for (int j = 0; j < k; j++)
        {
            // Insertion sort by step while copying out: k is at most PendingLimit.
            int i = _sorted + j, at = j;
            long step = _steps[i];
            while (at > 0 && steps[at - 1] > step)
            {
                (steps[at], epochs[at], times[at], bits[at], types[at]) = (steps[at - 1], epochs[at - 1], times[at - 1], bits[at - 1], types[at - 1]);
                at--;
            }

            (steps[at], epochs[at], times[at], bits[at], types[at]) = (step, _epochs[i], _times[i], _bits[i], _types[i]);
        }

        // Backward: the largest pending record goes last; the sorted records above it move up by the number of
        // pending records not yet placed, each block once.
        int end = _sorted;
        for (int j = k - 1; j >= 0; j--)
        {
            int pos = ~Search(end, steps[j]);
            int moved = end - pos;
            if (moved > 0)
            {
                // Span copies are memmoves (overlap-safe) without Array.Copy's per-call type checks.
                _steps.AsSpan(pos, moved).CopyTo(_steps.AsSpan(pos + j + 1));
                _epochs.AsSpan(pos, moved).CopyTo(_epochs.AsSpan(pos + j + 1));
                _times.AsSpan(pos, moved).CopyTo(_times.AsSpan(pos + j + 1));
                _bits.AsSpan(pos, moved).CopyTo(_bits.AsSpan(pos + j + 1));
                _types.AsSpan(pos, moved).CopyTo(_types.AsSpan(pos + j + 1));
            }

            (_steps[pos + j], _epochs[pos + j], _times[pos + j], _bits[pos + j], _types[pos + j]) = (steps[j], epochs[j], times[j], bits[j], types[j]);
            end = pos;
        }

        _sorted = Count;
    }

    private void AddPending(in SequencePoint point)
    {
        if (Count == _sorted)
        {
            _pendingMin = _pendingMax = point.Step;
        }
        else
        {
            _pendingMin = Math.Min(_pendingMin, point.Step);
            _pendingMax = Math.Max(_pendingMax, point.Step);
        }

        if (Count == _steps.Length)
        {
            Grow();
        }

        Set(Count, point);
        Count++;
        if (Count - _sorted >= PendingLimit)
        {
            Normalize();
        }
    }

    /// <summary>As <see cref="Array.BinarySearch(Array, int, int, object)"/> over the first <paramref name="count"/>
    /// steps: the index of <paramref name="step"/>, or the complement of where it would go. Written out because this
    /// runs once or twice per late point, on a cold chunk, where the generic helper's call is measurable.</summary>
    private int Search(int count, long step)
    {
        long[] steps = _steps;
        int lo = 0, hi = count - 1;
        while (lo <= hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            long at = steps[mid];
            if (at == step)
            {
                return mid;
            }

            if (at < step)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }

    private TrackedValue RawValue(int index) =>
        _others is not null && !InBits(_types[index]) ? _others[index] : new TrackedValue(_types[index], _bits[index]);

    /// <summary>Moves the upper half of the records into a new chunk and returns it.</summary>
    public SequenceChunk SplitUpperHalf()
    {
        Normalize();
        int keep = Count / 2;
        int moved = Count - keep;
        var upper = new SequenceChunk(moved + (moved >> 2));
        Array.Copy(_steps, keep, upper._steps, 0, moved);
        Array.Copy(_epochs, keep, upper._epochs, 0, moved);
        Array.Copy(_times, keep, upper._times, 0, moved);
        Array.Copy(_bits, keep, upper._bits, 0, moved);
        Array.Copy(_types, keep, upper._types, 0, moved);
        if (_others is not null)
        {
            upper._others = new TrackedValue[upper._steps.Length];
            Array.Copy(_others, keep, upper._others, 0, moved);
            Array.Clear(_others, keep, moved);
        }

        upper.Count = upper._sorted = moved;
        Count = _sorted = keep;
        return upper;
    }

    /// <summary>Whether the (normalized) steps strictly increase; for <see cref="Invariant"/> checks only.</summary>
    private bool StepsAscend()
    {
        for (int i = 1; i < Count; i++)
        {
            if (_steps[i - 1] >= _steps[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes the chunk value in format version 2 (docs/format.md, section 13.2).</summary>
    public void Encode(ArrayBufferWriter<byte> writer, ArrayBufferWriter<byte> scratch)
    {
        Normalize();
        Invariant.Holds(StepsAscend(), "a chunk's steps strictly increase when it is written (docs/format.md, section 13.2)");
        byte kind = ChunkFormat.FloatValues;
        bool anyInt = false;
        for (int i = 0; i < Count; i++)
        {
            switch (_types[i])
            {
                case AimType.Float: break;
                case AimType.Int: anyInt = true; break;
                default: kind = ChunkFormat.EncodedValues; break;
            }
        }

        if (kind == ChunkFormat.FloatValues && anyInt)
        {
            // Ints kept as ints unless the chunk mixes them with floats, where exactness above 2^53 would be lost.
            kind = IsAll(AimType.Int) ? ChunkFormat.IntValues : ChunkFormat.EncodedValues;
        }

        Span<byte> head = writer.GetSpan(2 + Kv.Common.Varint.MaxLength32);
        head[0] = ChunkFormat.Version;
        head[1] = kind;
        writer.Advance(2 + Kv.Common.Varint.Write(head[2..], (ulong)Count));
        PackedColumn.Write(writer, _steps.AsSpan(0, Count));
        long[] column = ArrayPool<long>.Shared.Rent(Count);
        WriteEpochs(writer, column);
        PackedColumn.Write(writer, _times.AsSpan(0, Count));
        switch (kind)
        {
            case ChunkFormat.FloatValues:
                FloatColumn.Write(writer, _bits.AsSpan(0, Count), column);
                break;
            case ChunkFormat.IntValues:
                PackedColumn.Write(writer, _bits.AsSpan(0, Count));
                break;
            default:
                scratch.ResetWrittenCount();
                Span<byte> table = writer.GetSpan(4 * (Count + 1));
                for (int i = 0; i < Count; i++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(table[(4 * i)..], (uint)scratch.WrittenCount);
                    ValueCodec.WriteRecords(RawValue(i), scratch);
                }

                BinaryPrimitives.WriteUInt32LittleEndian(table[(4 * Count)..], (uint)scratch.WrittenCount);
                writer.Advance(4 * (Count + 1));
                writer.Write(scratch.WrittenSpan);
                break;
        }

        ArrayPool<long>.Shared.Return(column);
    }

    /// <summary>Whether a value of <paramref name="type"/> lives in <see cref="_bits"/> alone.</summary>
    private static bool InBits(AimType type) => type is AimType.Int or AimType.Float or AimType.Bool or AimType.None;

    private void Set(int index, in SequencePoint point)
    {
        _steps[index] = point.Step;
        _epochs[index] = point.Epoch;
        _times[index] = point.TimeMicros;
        _bits[index] = point.Value.Bits;
        _types[index] = point.Value.Type;
        if (!InBits(point.Value.Type))
        {
            _others ??= new TrackedValue[_steps.Length];
            _others[index] = point.Value;
        }
        else if (_others is not null)
        {
            _others[index] = default;
        }
    }

    private bool IsAll(AimType type)
    {
        for (int i = 0; i < Count; i++)
        {
            if (_types[i] != type)
            {
                return false;
            }
        }

        return true;
    }

    private void WriteEpochs(ArrayBufferWriter<byte> writer, long[] column)
    {
        int present = 0;
        for (int i = 0; i < Count; i++)
        {
            present += _epochs[i] == ChunkFormat.NoEpoch ? 0 : 1;
        }

        if (present == 0)
        {
            writer.Write([ChunkFormat.NoEpochs]);
            return;
        }

        if (present == Count)
        {
            writer.Write([ChunkFormat.AllEpochs]);
            _epochs.AsSpan(0, Count).CopyTo(column);
        }
        else
        {
            int bitmapLength = (Count + 7) / 8;
            Span<byte> bitmap = writer.GetSpan(1 + bitmapLength)[..(1 + bitmapLength)];
            bitmap.Clear();
            bitmap[0] = ChunkFormat.SomeEpochs;
            long fill = 0;
            for (int i = 0; i < Count; i++)
            {
                if (_epochs[i] != ChunkFormat.NoEpoch)
                {
                    bitmap[1 + (i >> 3)] |= (byte)(1 << (i & 7));
                    fill = _epochs[i];
                }
            }

            writer.Advance(1 + bitmapLength);

            // Absent entries repeat a present epoch so that they do not widen the column.
            for (int i = 0; i < Count; i++)
            {
                column[i] = _epochs[i] == ChunkFormat.NoEpoch ? fill : _epochs[i];
            }
        }

        PackedColumn.Write(writer, column.AsSpan(0, Count));
    }

    private void Grow() => Resize(Math.Max(InitialCapacity, _steps.Length + (_steps.Length >> 1)));

    private void Resize(int size)
    {
        Array.Resize(ref _steps, size);
        Array.Resize(ref _epochs, size);
        Array.Resize(ref _times, size);
        Array.Resize(ref _bits, size);
        Array.Resize(ref _types, size);
        if (_others is not null)
        {
            Array.Resize(ref _others, size);
        }
    }
}
