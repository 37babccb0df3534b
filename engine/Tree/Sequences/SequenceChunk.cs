using System.Buffers;
using System.Buffers.Binary;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// A chunk being written: up to a few hundred records with distinct steps, kept sorted by step. The background
/// writer appends to a sequence's last chunk in memory and writes it whole (docs/format.md, section 13.1).
/// Invariants: Count ≥ 1 once built; steps strictly increase; all steps have the same sign (a chunk never spans
/// step 0 from below, so that chunks in key order are in numeric order within each sign).
/// Not thread-safe: owned by the tracking thread.
/// </summary>
internal sealed class SequenceChunk
{
    private long[] _steps;
    private long[] _epochs;
    private long[] _times;
    private TrackedValue[] _values;

    public SequenceChunk(int capacity)
    {
        _steps = new long[capacity];
        _epochs = new long[capacity];
        _times = new long[capacity];
        _values = new TrackedValue[capacity];
    }

    public int Count { get; private set; }

    public long MinStep => _steps[0];

    public long MaxStep => _steps[Count - 1];

    public long StepAt(int index) => _steps[index];

    public TrackedValue ValueAt(int index) => _values[index];

    public static SequenceChunk Decode(ReadOnlySpan<byte> data, int capacity)
    {
        var view = new ChunkView(data);
        var chunk = new SequenceChunk(Math.Max(capacity, view.Count));
        for (int i = 0; i < view.Count; i++)
        {
            chunk.Append(new SequencePoint(view.Steps[i], view.Epoch(i), view.TimesMicros[i], view.Value(i)));
        }

        return chunk;
    }

    /// <summary>Whether <paramref name="step"/> may join this chunk without breaking the one-sign invariant.</summary>
    public bool SameSign(long step) => (step < 0) == (MinStep < 0);

    /// <summary>Adds a point whose step is above every step in the chunk.</summary>
    public void Append(in SequencePoint point)
    {
        if (Count == _steps.Length)
        {
            Grow();
        }

        _steps[Count] = point.Step;
        _epochs[Count] = point.Epoch;
        _times[Count] = point.TimeMicros;
        _values[Count] = point.Value;
        Count++;
    }

    /// <summary>Inserts the point, or replaces the record at its step.</summary>
    /// <returns>True when a record was replaced; <paramref name="replaced"/> is its old value.</returns>
    public bool Upsert(in SequencePoint point, out TrackedValue replaced)
    {
        int index = Array.BinarySearch(_steps, 0, Count, point.Step);
        if (index >= 0)
        {
            replaced = _values[index];
            _epochs[index] = point.Epoch;
            _times[index] = point.TimeMicros;
            _values[index] = point.Value;
            return true;
        }

        replaced = default;
        index = ~index;
        if (Count == _steps.Length)
        {
            Grow();
        }

        Array.Copy(_steps, index, _steps, index + 1, Count - index);
        Array.Copy(_epochs, index, _epochs, index + 1, Count - index);
        Array.Copy(_times, index, _times, index + 1, Count - index);
        Array.Copy(_values, index, _values, index + 1, Count - index);
        _steps[index] = point.Step;
        _epochs[index] = point.Epoch;
        _times[index] = point.TimeMicros;
        _values[index] = point.Value;
        Count++;
        return false;
    }

    /// <summary>Moves the upper half of the records into a new chunk and returns it.</summary>
    public SequenceChunk SplitUpperHalf()
    {
        int keep = Count / 2;
        var upper = new SequenceChunk(_steps.Length);
        for (int i = keep; i < Count; i++)
        {
            upper.Append(new SequencePoint(_steps[i], _epochs[i], _times[i], _values[i]));
            _values[i] = default;
        }

        Count = keep;
        return upper;
    }

    /// <summary>Writes the chunk value (docs/format.md, section 13.2).</summary>
    public void Encode(ArrayBufferWriter<byte> writer, ArrayBufferWriter<byte> scratch)
    {
        byte kind = ChunkFormat.FloatValues;
        bool anyInt = false;
        for (int i = 0; i < Count; i++)
        {
            switch (_values[i].Type)
            {
                case Encoding.AimType.Float: break;
                case Encoding.AimType.Int: anyInt = true; break;
                default: kind = ChunkFormat.EncodedValues; break;
            }
        }

        if (kind == ChunkFormat.FloatValues && anyInt)
        {
            // Ints kept as ints unless the chunk mixes them with floats, where exactness above 2^53 would be lost.
            kind = IsAll(Encoding.AimType.Int) ? ChunkFormat.IntValues : ChunkFormat.EncodedValues;
        }

        Span<byte> head = writer.GetSpan(2 + Common.Varint.MaxLength32);
        head[0] = ChunkFormat.Version;
        head[1] = kind;
        writer.Advance(2 + Common.Varint.Write(head[2..], (ulong)Count));
        IntColumn.Write(writer, _steps.AsSpan(0, Count));
        WriteEpochs(writer);
        IntColumn.Write(writer, _times.AsSpan(0, Count));
        switch (kind)
        {
            case ChunkFormat.FloatValues:
                Span<byte> floats = writer.GetSpan(8 * Count);
                for (int i = 0; i < Count; i++)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(floats[(8 * i)..], _values[i].Bits);
                }

                writer.Advance(8 * Count);
                break;
            case ChunkFormat.IntValues:
                long[] ints = ArrayPool<long>.Shared.Rent(Count);
                for (int i = 0; i < Count; i++)
                {
                    ints[i] = _values[i].Bits;
                }

                IntColumn.Write(writer, ints.AsSpan(0, Count));
                ArrayPool<long>.Shared.Return(ints);
                break;
            default:
                scratch.ResetWrittenCount();
                Span<byte> table = writer.GetSpan(4 * (Count + 1));
                for (int i = 0; i < Count; i++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(table[(4 * i)..], (uint)scratch.WrittenCount);
                    ValueCodec.WriteRecords(_values[i], scratch);
                }

                BinaryPrimitives.WriteUInt32LittleEndian(table[(4 * Count)..], (uint)scratch.WrittenCount);
                writer.Advance(4 * (Count + 1));
                writer.Write(scratch.WrittenSpan);
                break;
        }
    }

    private bool IsAll(Encoding.AimType type)
    {
        for (int i = 0; i < Count; i++)
        {
            if (_values[i].Type != type)
            {
                return false;
            }
        }

        return true;
    }

    private void WriteEpochs(ArrayBufferWriter<byte> writer)
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

        long[] column = ArrayPool<long>.Shared.Rent(Count);
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

        IntColumn.Write(writer, column.AsSpan(0, Count));
        ArrayPool<long>.Shared.Return(column);
    }

    private void Grow()
    {
        int size = Math.Max(4, _steps.Length * 2);
        Array.Resize(ref _steps, size);
        Array.Resize(ref _epochs, size);
        Array.Resize(ref _times, size);
        Array.Resize(ref _values, size);
    }
}
