using System.Buffers.Binary;
using System.Runtime.InteropServices;
using AimLsm.Encoding;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// A parsed sequence chunk (docs/format.md, section 13.2) over the bytes of its value, straight out of the engine:
/// parsing reads the header only, and every column gives random access, so a sample touches only its points.
/// </summary>
internal readonly ref struct ChunkView
{
    private const string What = "sequence chunk";
    private readonly ReadOnlySpan<byte> _epochBitmap;
    private readonly IntColumnView _epochs;
    private readonly ReadOnlySpan<byte> _floats;
    private readonly IntColumnView _floatKeys;
    private readonly int _floatShift;
    private readonly IntColumnView _ints;
    private readonly ReadOnlySpan<byte> _offsets;
    private readonly ReadOnlySpan<byte> _encoded;

    /// <exception cref="AimFormatException">The bytes are not a valid chunk.</exception>
    public ChunkView(ReadOnlySpan<byte> data)
    {
        if (data.Length < 3)
        {
            throw new AimFormatException(What, 0, $"{data.Length} bytes is shorter than a chunk header");
        }

        Version = data[0];
        if (Version is not (ChunkFormat.Version1 or ChunkFormat.Version))
        {
            throw new AimFormatException(What, 0, $"format version {data[0]}; this build reads versions {ChunkFormat.Version1} and {ChunkFormat.Version}");
        }

        ValueKind = data[1];
        int pos = 2;
        int n = Kv.Common.Varint.TryRead32(data[pos..], out uint count);
        if (n <= 0 || count == 0 || count > int.MaxValue / 16)
        {
            throw new AimFormatException(What, pos, "a bad record count");
        }

        Count = (int)count;
        pos += n;
        pos += ReadInts(Version, Count, data[pos..], pos, out IntColumnView steps);
        Steps = steps;
        EpochsStart = pos;
        byte presence;
        pos += ReadEpochsAndTimes(Version, Count, data, pos, out presence, out _epochBitmap, out _epochs, out IntColumnView times);
        EpochPresence = presence;
        TimesMicros = times;
        TimesEnd = pos;
        switch (ValueKind)
        {
            case ChunkFormat.FloatValues when Version != ChunkFormat.Version1:
                pos += FloatColumn.Read(data[pos..], Count, What, pos, out _floatShift, out _floatKeys);
                if (pos != data.Length)
                {
                    throw new AimFormatException(What, pos, $"{data.Length - pos} bytes follow the float values");
                }

                break;
            case ChunkFormat.FloatValues:
                if (data.Length - pos != 8 * Count)
                {
                    throw new AimFormatException(What, pos, $"{Count} float values need {8 * Count} bytes, {data.Length - pos} remain");
                }

                _floats = data[pos..];
                break;
            case ChunkFormat.IntValues:
                pos += ReadInts(Version, Count, data[pos..], pos, out _ints);
                if (pos != data.Length)
                {
                    throw new AimFormatException(What, pos, $"{data.Length - pos} bytes follow the int values");
                }

                break;
            case ChunkFormat.EncodedValues:
                int table = 4 * (Count + 1);
                if (data.Length - pos < table)
                {
                    throw new AimFormatException(What, pos, "the value offset table is truncated");
                }

                _offsets = data.Slice(pos, table);
                _encoded = data[(pos + table)..];
                if (BinaryPrimitives.ReadUInt32LittleEndian(_offsets[^4..]) != (uint)_encoded.Length)
                {
                    throw new AimFormatException(What, pos, "the value offset table does not end at the end of the chunk");
                }

                break;
            default:
                throw new AimFormatException(What, 1, $"unknown value kind {ValueKind}");
        }
    }

    /// <summary>
    /// A view of only the epoch and timestamp columns of a chunk of <paramref name="count"/> records in format
    /// <paramref name="version"/>: <paramref name="epochsAndTimes"/> is the chunk's bytes [<see cref="EpochsStart"/>,
    /// <see cref="TimesEnd"/>), kept by a reader that decodes those columns later (<see cref="RetainedColumns"/>).
    /// Only <see cref="Count"/>, <see cref="Epoch"/>, <see cref="CopyEpochs"/> and <see cref="TimesMicros"/> are usable.
    /// </summary>
    /// <exception cref="AimFormatException">The bytes are not the two columns.</exception>
    public ChunkView(byte version, int count, ReadOnlySpan<byte> epochsAndTimes)
    {
        Version = version;
        Count = count;
        ValueKind = 0;
        EpochsStart = 0;
        byte presence;
        TimesEnd = ReadEpochsAndTimes(version, count, epochsAndTimes, 0, out presence, out _epochBitmap, out _epochs, out IntColumnView times);
        EpochPresence = presence;
        TimesMicros = times;
    }

    public int Count { get; }

    /// <summary>Where the epoch presence byte is: the epoch and timestamp columns are [EpochsStart, TimesEnd).</summary>
    public int EpochsStart { get; }

    /// <summary>Where the timestamp column ends (the values begin).</summary>
    public int TimesEnd { get; }

    /// <summary>The chunk's format version: 1 (fixed-width columns) or 2 (packed columns).</summary>
    public byte Version { get; }

    public byte ValueKind { get; }

    public byte EpochPresence { get; }

    public IntColumnView Steps { get; }

    public IntColumnView TimesMicros { get; }

    public bool IsNumeric => ValueKind != ChunkFormat.EncodedValues;

    /// <summary>The first index whose step is at least <paramref name="step"/> (Count when none).</summary>
    public int LowerBound(long step)
    {
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (Steps[mid] < step)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    public long Epoch(int index) => EpochPresence switch
    {
        ChunkFormat.NoEpochs => ChunkFormat.NoEpoch,
        ChunkFormat.SomeEpochs when (_epochBitmap[index >> 3] & (1 << (index & 7))) == 0 => ChunkFormat.NoEpoch,
        _ => _epochs[index],
    };

    /// <summary>
    /// Copies epochs [start, start + destination.Length) (null where a record has none) with one loop per presence
    /// kind; <paramref name="scratch"/> holds at least destination.Length longs.
    /// </summary>
    public void CopyEpochs(int start, Span<long?> destination, Span<long> scratch)
    {
        switch (EpochPresence)
        {
            case ChunkFormat.NoEpochs:
                destination.Clear();
                return;
            case ChunkFormat.AllEpochs:
                Span<long> epochs = scratch[..destination.Length];
                _epochs.CopyTo(start, epochs);
                for (int i = 0; i < epochs.Length; i++)
                {
                    destination[i] = epochs[i];
                }

                return;
            default:
                for (int i = 0; i < destination.Length; i++)
                {
                    long epoch = Epoch(start + i);
                    destination[i] = epoch == ChunkFormat.NoEpoch ? null : epoch;
                }

                return;
        }
    }

    public double Number(int index) => ValueKind switch
    {
        ChunkFormat.FloatValues when Version != ChunkFormat.Version1 => FloatColumn.FromKey(_floatKeys[index], _floatShift),
        ChunkFormat.FloatValues => BinaryPrimitives.ReadDoubleLittleEndian(_floats[(8 * index)..]),
        ChunkFormat.IntValues => _ints[index],
        _ => throw new InvalidOperationException("The chunk holds encoded values, not numbers."),
    };

    /// <summary>Copies float values [start, start + destination.Length) in one block copy.</summary>
    public void CopyFloats(int start, Span<double> destination)
    {
        if (ValueKind == ChunkFormat.FloatValues && Version != ChunkFormat.Version1)
        {
            // Keys decoded in one pass into the destination's bits, then mapped back in place.
            Span<long> keys = MemoryMarshal.Cast<double, long>(destination);
            _floatKeys.CopyTo(start, keys);
            long mask = long.MaxValue >> _floatShift;
            for (int i = 0; i < keys.Length; i++)
            {
                long key = keys[i];
                keys[i] = (key ^ ((key >> 63) & mask)) << _floatShift;
            }

            return;
        }

        if (ValueKind == ChunkFormat.FloatValues && BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, double>(_floats.Slice(8 * start, 8 * destination.Length)).CopyTo(destination);
            return;
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = Number(start + i);
        }
    }

    public long Int(int index) => _ints[index];

    /// <summary>Parses the epoch presence, bitmap and column and the timestamp column at <paramref name="pos"/>;
    /// returns the bytes they take.</summary>
    private static int ReadEpochsAndTimes(byte version, int count, ReadOnlySpan<byte> data, int pos, out byte presence,
        out ReadOnlySpan<byte> bitmap, out IntColumnView epochs, out IntColumnView times)
    {
        int start = pos;
        bitmap = default;
        epochs = default;
        if (pos >= data.Length)
        {
            throw new AimFormatException(What, pos, "the epoch column is missing");
        }

        presence = data[pos++];
        switch (presence)
        {
            case ChunkFormat.NoEpochs:
                break;
            case ChunkFormat.SomeEpochs:
                int bitmapLength = (count + 7) / 8;
                if (data.Length - pos < bitmapLength)
                {
                    throw new AimFormatException(What, pos, "the epoch bitmap is truncated");
                }

                bitmap = data.Slice(pos, bitmapLength);
                pos += bitmapLength;
                pos += ReadInts(version, count, data[pos..], pos, out epochs);
                break;
            case ChunkFormat.AllEpochs:
                pos += ReadInts(version, count, data[pos..], pos, out epochs);
                break;
            default:
                throw new AimFormatException(What, pos - 1, $"unknown epoch presence {presence}");
        }

        pos += ReadInts(version, count, data[pos..], pos, out times);
        return pos - start;
    }

    /// <summary>Parses an int column of the chunk's version: fixed-width (1) or packed (2).</summary>
    private static int ReadInts(byte version, int count, ReadOnlySpan<byte> data, int offset, out IntColumnView column) =>
        version == ChunkFormat.Version1
            ? IntColumn.Read(data, count, What, offset, out column)
            : PackedColumn.Read(data, count, What, offset, out column);

    /// <summary>The records of an encoded value.</summary>
    public ReadOnlySpan<byte> Encoded(int index)
    {
        uint start = BinaryPrimitives.ReadUInt32LittleEndian(_offsets[(4 * index)..]);
        uint end = BinaryPrimitives.ReadUInt32LittleEndian(_offsets[(4 * index + 4)..]);
        if (start > end || end > (uint)_encoded.Length)
        {
            throw new AimFormatException(What, 4 * index, $"value {index} has offsets {start}..{end} outside its {_encoded.Length} bytes");
        }

        return _encoded[(int)start..(int)end];
    }

    /// <summary>The value at <paramref name="index"/> in the writer's form, for a read-modify-write of the chunk.</summary>
    public TrackedValue Value(int index)
    {
        switch (ValueKind)
        {
            case ChunkFormat.FloatValues:
                return TrackedValue.Float(Number(index));
            case ChunkFormat.IntValues:
                return TrackedValue.Int(_ints[index]);
        }

        ReadOnlySpan<byte> records = Encoded(index);
        return ValueCodec.FromRecords(records);
    }
}
