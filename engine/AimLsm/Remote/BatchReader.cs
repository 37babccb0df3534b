using System.Buffers.Binary;

namespace AimLsm.Remote;

/// <summary>
/// Reads the operations of a Batch frame's payload one at a time (docs/format.md 15.2), without copying: the spans it
/// exposes point into the payload. Every read is bounds-checked; a malformed operation throws a
/// <see cref="TrackingProtocolException"/> naming the operation's index and its byte offset in the frame.
/// </summary>
internal ref struct BatchReader
{
    private readonly ReadOnlySpan<byte> _payload;
    private int _position;
    private int _opStart;

    // The previous Point's step, epoch and time: a Point stores its own as differences from them (0 before the first).
    private long _lastStep;
    private long _lastEpoch;
    private long _lastMicros;

    public BatchReader(ReadOnlySpan<byte> payload)
    {
        _payload = payload;
    }

    /// <summary>The operation read last, 0-based.</summary>
    public int Index { get; private set; } = -1;

    public OpCode Code { get; private set; }

    /// <summary>The run's 12 hash bytes (ops that name a run).</summary>
    public ReadOnlySpan<byte> Hash { get; private set; }

    /// <summary>Sequence index (track ops).</summary>
    public int Sequence { get; private set; }

    public long Step { get; private set; }

    public long Epoch { get; private set; }

    public long Micros { get; private set; }

    public double Float { get; private set; }

    public long Int { get; private set; }

    /// <summary>CreateRun's created_at, CloseRun's end time.</summary>
    public double Time { get; private set; }

    /// <summary>SetAttr's and DeleteAttr's encoded path.</summary>
    public ReadOnlySpan<byte> Path { get; private set; }

    /// <summary>The records of SetAttr, TrackObject and Sequence (its context), count included.</summary>
    public ReadOnlySpan<byte> Records { get; private set; }

    /// <summary>A string field: the experiment, the tag, the sequence name, the prop's value.</summary>
    public string? Text { get; private set; }

    /// <summary>CreateRun's name.</summary>
    public string? Name { get; private set; }

    /// <summary>CreateRun's description.</summary>
    public string? Description { get; private set; }

    /// <summary>CreateRun's tags.</summary>
    public string[] Tags { get; private set; } = [];

    public RunProp Prop { get; private set; }

    public bool Flag { get; private set; }

    /// <summary>The offset of the current operation in the frame (header included), for messages.</summary>
    public readonly int FrameOffset => TrackingFrame.HeaderBytes + _opStart;

    /// <summary>The current run's hash as text.</summary>
    public readonly string HashText => Convert.ToHexStringLower(Hash);

    /// <summary>Reads the next operation; false at the end of the payload.</summary>
    /// <exception cref="TrackingProtocolException">The operation is malformed.</exception>
    public bool MoveNext()
    {
        if (_position >= _payload.Length)
        {
            return false;
        }

        Index++;
        _opStart = _position;
        Code = (OpCode)ReadByte();
        switch (Code)
        {
            case OpCode.CreateRun:
                Hash = ReadSpan(12);
                Time = ReadF64();
                Text = ReadString();
                Name = ReadNullableString();
                Description = ReadNullableString();
                int count = ReadCount();
                var tags = new string[count];
                for (int i = 0; i < count; i++)
                {
                    tags[i] = ReadString();
                }

                Tags = tags;
                break;
            case OpCode.OpenRun:
                Hash = ReadSpan(12);
                break;
            case OpCode.SetAttr:
                Hash = ReadSpan(12);
                Path = ReadSpan(ReadCount());
                Records = ReadRecords();
                break;
            case OpCode.DeleteAttr:
                Hash = ReadSpan(12);
                Path = ReadSpan(ReadCount());
                break;
            case OpCode.SetProp:
                Hash = ReadSpan(12);
                Prop = (RunProp)ReadByte();
                if (Prop is < RunProp.Name or > RunProp.Description)
                {
                    throw Malformed($"unknown prop {(byte)Prop}");
                }

                Text = ReadNullableString();
                break;
            case OpCode.SetArchived:
                Hash = ReadSpan(12);
                Flag = ReadFlag();
                break;
            case OpCode.AddTag:
            case OpCode.RemoveTag:
                Hash = ReadSpan(12);
                Text = ReadString();
                break;
            case OpCode.Sequence:
                Hash = ReadSpan(12);
                Text = ReadString();
                Records = ReadRecords();
                break;
            case OpCode.TrackFloat:
            case OpCode.TrackInt:
            case OpCode.TrackObject:
                Sequence = ReadCount();
                Step = ReadI64();
                Epoch = ReadI64();
                Micros = ReadI64();
                if (Code == OpCode.TrackFloat)
                {
                    Float = BitConverter.Int64BitsToDouble(ReadI64());
                }
                else if (Code == OpCode.TrackInt)
                {
                    Int = ReadI64();
                }
                else
                {
                    Records = ReadRecords();
                }

                break;
            case OpCode.CloseRun:
                Hash = ReadSpan(12);
                Time = ReadF64();
                break;
            case OpCode.Point:
                ReadPoint();
                break;
            default:
                throw Malformed($"unknown operation {(byte)Code}");
        }

        return true;
    }

    /// <summary>A <see cref="OpCode.Point"/>, reported as the TrackFloat or TrackInt it stands for (the server applies both alike).</summary>
    private void ReadPoint()
    {
        Sequence = ReadCount();
        byte form = ReadByte();
        if ((form & ~PointForms.Known) != 0 || (PointForm)(form & 3) is not (PointForm.Float64 or PointForm.Float32 or PointForm.Int))
        {
            throw Malformed($"a point form of 0x{form:x2} (known: value kind 0-2, epoch bit 0x{PointForms.EpochBit:x2})");
        }

        Step = _lastStep = unchecked(_lastStep + ReadZigZag());
        Epoch = (form & PointForms.EpochBit) != 0 ? _lastEpoch = unchecked(_lastEpoch + ReadZigZag()) : long.MinValue;
        Micros = _lastMicros = unchecked(_lastMicros + ReadZigZag());
        // Code changes only once the whole point is read: an error on the way names the operation as sent (Point).
        switch ((PointForm)(form & 3))
        {
            case PointForm.Float64:
                Float = BitConverter.Int64BitsToDouble(ReadI64());
                Code = OpCode.TrackFloat;
                break;
            case PointForm.Float32:
                Float = BinaryPrimitives.ReadSingleLittleEndian(ReadSpan(4));
                Code = OpCode.TrackFloat;
                break;
            default:
                Int = ReadZigZag();
                Code = OpCode.TrackInt;
                break;
        }
    }

    /// <summary>A zigzag LEB128 number of up to 64 bits.</summary>
    private long ReadZigZag()
    {
        ulong value = ReadVarint();
        return (long)(value >> 1) ^ -(long)(value & 1);
    }

    /// <summary>A LEB128 number of up to 64 bits; a truncated or over-long one is malformed, named with its offset.</summary>
    private ulong ReadVarint()
    {
        int at = _position;
        try
        {
            return ReadLeb128(_payload, ref _position);
        }
        catch (ArgumentOutOfRangeException)
        {
            _position = at;
            throw Malformed($"a truncated or over-long LEB128 number at frame offset {TrackingFrame.HeaderBytes + at}");
        }
    }

    /// <summary>Calls <paramref name="handler"/> per record of <paramref name="records"/> (checked by the reader).</summary>
    public static void ForEachRecord(ReadOnlySpan<byte> records, Encoding.TreeRecordHandler handler)
    {
        int position = 0;
        ulong count = ReadLeb128(records, ref position);
        for (ulong i = 0; i < count; i++)
        {
            int pathLength = (int)ReadLeb128(records, ref position);
            ReadOnlySpan<byte> path = records.Slice(position, pathLength);
            position += pathLength;
            int valueLength = (int)ReadLeb128(records, ref position);
            handler(path, records.Slice(position, valueLength));
            position += valueLength;
        }
    }

    private ReadOnlySpan<byte> ReadRecords()
    {
        // Walks the records once to find their end and check every length; ForEachRecord then trusts them.
        int start = _position;
        int count = ReadCount();
        for (int i = 0; i < count; i++)
        {
            ReadSpan(ReadCount());
            ReadSpan(ReadCount());
        }

        return _payload[start.._position];
    }

    private byte ReadByte()
    {
        if (_position >= _payload.Length)
        {
            throw Truncated(1);
        }

        return _payload[_position++];
    }

    private bool ReadFlag() => ReadByte() switch
    {
        0 => false,
        1 => true,
        byte other => throw Malformed($"a flag of {other} (0 or 1 expected)"),
    };

    private ReadOnlySpan<byte> ReadSpan(int length)
    {
        if (length > _payload.Length - _position)
        {
            throw Truncated(length);
        }

        ReadOnlySpan<byte> span = _payload.Slice(_position, length);
        _position += length;
        return span;
    }

    private long ReadI64() => BinaryPrimitives.ReadInt64LittleEndian(ReadSpan(8));

    private double ReadF64() => BinaryPrimitives.ReadDoubleLittleEndian(ReadSpan(8));

    private int ReadCount()
    {
        ulong value = ReadVarint();
        if (value > int.MaxValue || (long)value > _payload.Length)
        {
            throw Malformed($"a length or count of {value} in a payload of {_payload.Length} bytes");
        }

        return (int)value;
    }

    private string ReadString() => DecodeUtf8(ReadSpan(ReadCount()));

    private string? ReadNullableString()
    {
        int n = ReadCount();
        return n == 0 ? null : DecodeUtf8(ReadSpan(n - 1));
    }

    private readonly string DecodeUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw Malformed("a string that is not valid UTF-8");
        }
    }

    private static ulong ReadLeb128(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(data), "truncated LEB128");
            }

            byte b = data[position++];
            if (shift == 63 && b > 1)
            {
                // The tenth byte holds bit 63 alone: anything more would be dropped, so it is refused, not misread.
                throw new ArgumentOutOfRangeException(nameof(data), "LEB128 longer than 64 bits");
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(data), "LEB128 longer than 64 bits");
    }

    private readonly TrackingProtocolException Truncated(int wanted) =>
        Malformed($"it needs {wanted} more bytes at offset {TrackingFrame.HeaderBytes + _position}, the payload ends at {TrackingFrame.HeaderBytes + _payload.Length}");

    private readonly TrackingProtocolException Malformed(string what) =>
        new(TrackingErrorCode.MalformedFrame, $"operation {Index} ({Code}) at frame offset {FrameOffset} is malformed: {what}");

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, true);
}
