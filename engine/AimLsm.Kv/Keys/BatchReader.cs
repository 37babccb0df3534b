using System.Buffers.Binary;
using AimLsm.Kv.Common;

namespace AimLsm.Kv.Keys;

/// <summary>
/// Walks an encoded write batch (see <see cref="WriteBatch"/>) record by record, checking every length against the
/// buffer so that a damaged WAL record is reported, never misread. Allocation-free.
/// </summary>
internal ref struct BatchReader
{
    /// <summary>
    /// The batch header: sequence (u64) then count (u32), little-endian (docs/format.md, "Write batch"). PART OF THE
    /// WAL FORMAT. Defined here, with the reader, and used by <see cref="WriteBatch"/>, so Keys does not refer back
    /// to the root namespace.
    /// </summary>
    public const int HeaderSize = 12;

    private readonly ReadOnlySpan<byte> _data;
    private int _pos;
    private int _seen;

    /// <summary>Starts reading <paramref name="data"/>; false when it is too short to hold a header.</summary>
    public BatchReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = HeaderSize;
        _seen = 0;
        if (data.Length >= HeaderSize)
        {
            Sequence = BinaryPrimitives.ReadUInt64LittleEndian(data);
            Count = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(data[8..]));
            HeaderValid = true;
        }
    }

    public bool HeaderValid { get; }

    public ulong Sequence { get; }

    public int Count { get; }

    /// <summary>The byte offset of the record being read, for error messages.</summary>
    public readonly int Position => _pos;

    /// <summary>
    /// Reads the next record. Returns false at the end. Throws <see cref="FormatException"/> (with the offset) when
    /// the batch is malformed: an unknown tag, a length past the end, or a count that disagrees with the records.
    /// </summary>
    public bool Next(out EntryType type, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        if (_pos >= _data.Length)
        {
            if (_seen != Count)
            {
                throw new FormatException($"write batch header counts {Count} records but holds {_seen}");
            }
            type = default;
            key = value = default;
            return false;
        }
        int start = _pos;
        type = (EntryType)_data[_pos++];
        key = ReadString(start);
        switch (type)
        {
            case EntryType.Value:
            case EntryType.RangeDeletion:
                value = ReadString(start);
                break;
            case EntryType.Deletion:
                value = default;
                break;
            default:
                throw new FormatException($"unknown write batch tag 0x{(byte)type:x2} at offset {start}");
        }
        _seen++;
        return true;
    }

    private ReadOnlySpan<byte> ReadString(int recordStart)
    {
        int n = Varint.TryRead32(_data[_pos..], out uint len);
        if (n == 0 || len > (uint)(_data.Length - _pos - n))
        {
            throw new FormatException($"write batch record at offset {recordStart} runs past the end of the batch");
        }
        _pos += n;
        ReadOnlySpan<byte> s = _data.Slice(_pos, (int)len);
        _pos += (int)len;
        return s;
    }
}
