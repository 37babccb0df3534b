using System.Buffers;
using System.Buffers.Binary;
using AimLsm.Encoding;

namespace AimLsm.Remote;

/// <summary>
/// Builds Batch frames (docs/format.md 15.2): operations appended to one growing buffer behind a reserved header,
/// sealed with the batch's number and a checksum. Reused batch after batch by one thread (the client's sender, or a
/// sync); not thread-safe. Strings are UTF-8 with a LEB128 length; a nullable string stores length + 1 (0 = null);
/// hashes are 12 raw bytes; a float or int point is a <see cref="OpCode.Point"/>, its step, epoch and time as zigzag
/// LEB128 differences from the batch's previous point's.
/// </summary>
internal sealed class BatchWriter
{
    private byte[] _buffer = new byte[4096];
    private int _length = TrackingFrame.HeaderBytes;
    private readonly TreeWriter _tree = new();

    // The previous Point's step, epoch and time in this batch (0 before the first): the next one is written as the
    // differences, a byte each for a training loop's points (docs/format.md 15.2).
    private long _lastStep;
    private long _lastEpoch;
    private long _lastMicros;

    /// <summary>Writes float and int points as <see cref="OpCode.TrackFloat"/> and <see cref="OpCode.TrackInt"/>
    /// (fixed i64 fields, 34 bytes a point), as clients did before <see cref="OpCode.Point"/>; for the tests that a
    /// server still reads them.</summary>
    internal bool FixedPoints { get; init; }

    /// <summary>The frame version <see cref="Finish"/> writes: this build's; 1 only for the tests of older clients.</summary>
    internal byte FrameVersion { get; init; } = TrackingFrame.Version;

    /// <summary>Operations appended since the last <see cref="Finish"/>.</summary>
    public int Operations { get; private set; }

    /// <summary>Sequences declared in this batch (the next one gets this index).</summary>
    public int Sequences { get; private set; }

    /// <summary>The frame's size so far, trailer included.</summary>
    public int Bytes => _length + TrackingFrame.TrailerBytes;

    public void CreateRun(string hash, double createdAt, string experiment, string? name, string? description, IReadOnlyList<string> tags)
    {
        Op(OpCode.CreateRun, hash);
        WriteF64(createdAt);
        WriteString(experiment);
        WriteNullableString(name);
        WriteNullableString(description);
        WriteVarint((ulong)tags.Count);
        foreach (string tag in tags)
        {
            WriteString(tag);
        }
    }

    public void OpenRun(string hash) => Op(OpCode.OpenRun, hash);

    public void SetAttr(string hash, ReadOnlySpan<byte> path, object? value)
    {
        Op(OpCode.SetAttr, hash);
        WriteBytes(path);
        WriteRecords(value);
    }

    /// <summary>As <see cref="SetAttr"/>, with the value already flattened (<see cref="EncodeRecords"/>, in the caller's thread).</summary>
    public void SetAttrRecords(string hash, ReadOnlySpan<byte> path, ReadOnlySpan<byte> records)
    {
        Op(OpCode.SetAttr, hash);
        WriteBytes(path);
        WriteRaw(records);
    }

    public void DeleteAttr(string hash, ReadOnlySpan<byte> path)
    {
        Op(OpCode.DeleteAttr, hash);
        WriteBytes(path);
    }

    public void SetProp(string hash, RunProp prop, string? value)
    {
        Op(OpCode.SetProp, hash);
        WriteByte((byte)prop);
        WriteNullableString(value);
    }

    public void SetArchived(string hash, bool archived)
    {
        Op(OpCode.SetArchived, hash);
        WriteByte(archived ? (byte)1 : (byte)0);
    }

    public void AddTag(string hash, string tag)
    {
        Op(OpCode.AddTag, hash);
        WriteString(tag);
    }

    public void RemoveTag(string hash, string tag)
    {
        Op(OpCode.RemoveTag, hash);
        WriteString(tag);
    }

    /// <summary>Declares a sequence; returns its index in this batch.</summary>
    public int Sequence(string hash, string name, ReadOnlySpan<byte> contextRecords)
    {
        Op(OpCode.Sequence, hash);
        WriteString(name);
        WriteRaw(contextRecords);
        return Sequences++;
    }

    public void TrackFloat(int sequence, long step, long epoch, long micros, double value)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        if (FixedPoints)
        {
            FixedPoint(OpCode.TrackFloat, sequence, step, epoch, micros, bits);
            return;
        }

        // A float32 widened to a double (most ML metrics) travels as its 4 bytes; compared bit for bit, so that a NaN's
        // payload or a double that merely rounds to the same float never changes on the way.
        float narrow = (float)value;
        if (BitConverter.DoubleToInt64Bits(narrow) == bits)
        {
            Span<byte> to = PackedPoint(PointForm.Float32, sequence, step, epoch, micros, 4);
            BinaryPrimitives.WriteSingleLittleEndian(to, narrow);
            _length += 4;
        }
        else
        {
            Span<byte> to = PackedPoint(PointForm.Float64, sequence, step, epoch, micros, 8);
            BinaryPrimitives.WriteInt64LittleEndian(to, bits);
            _length += 8;
        }
    }

    public void TrackInt(int sequence, long step, long epoch, long micros, long value)
    {
        if (FixedPoints)
        {
            FixedPoint(OpCode.TrackInt, sequence, step, epoch, micros, value);
            return;
        }

        Span<byte> to = PackedPoint(PointForm.Int, sequence, step, epoch, micros, 10);
        _length += Leb128(to, ZigZag(value));
    }

    /// <summary>A value of any other type; <paramref name="records"/> from <see cref="EncodeRecords"/>.</summary>
    public void TrackObject(int sequence, long step, long epoch, long micros, ReadOnlySpan<byte> records)
    {
        Point(OpCode.TrackObject, sequence, step, epoch, micros);
        WriteRaw(records);
    }

    public void CloseRun(string hash, double endTime)
    {
        Op(OpCode.CloseRun, hash);
        WriteF64(endTime);
    }

    /// <summary>Seals the batch as number <paramref name="number"/> and returns the frame (a copy: the buffer is reused).</summary>
    public byte[] Finish(ulong number)
    {
        int payload = _length - TrackingFrame.HeaderBytes;
        Ensure(TrackingFrame.TrailerBytes);
        _length += TrackingFrame.TrailerBytes;
        Span<byte> frame = _buffer.AsSpan(0, _length);
        TrackingFrame.WriteHeader(frame, FrameType.Batch, number, payload, FrameVersion);
        TrackingFrame.Seal(frame);
        byte[] result = frame.ToArray();
        Reset();
        return result;
    }

    /// <summary>Drops what was appended since the last <see cref="Finish"/>.</summary>
    public void Reset()
    {
        _length = TrackingFrame.HeaderBytes;
        Operations = 0;
        Sequences = 0;
        _lastStep = 0;
        _lastEpoch = 0;
        _lastMicros = 0;
        if (_buffer.Length > 1 << 22)
        {
            _buffer = new byte[4096]; // a huge batch once does not pin its buffer for the session's life
        }
    }

    /// <summary>
    /// A value as the records of docs/format.md 15.2 (a LEB128 count, then per record a length-prefixed relative path
    /// in Aim's path encoding and a length-prefixed value in Aim's value encoding), the way
    /// <see cref="TreeWriter"/> flattens it. Done in the caller's thread, so an unsupported value is refused there.
    /// </summary>
    /// <exception cref="ArgumentException">The value holds an unsupported type or is nested too deep.</exception>
    public static byte[] EncodeRecords(object? value)
    {
        var writer = new BatchWriter();
        writer._length = 0;
        writer.WriteRecords(value);
        return writer._buffer.AsSpan(0, writer._length).ToArray();
    }

    private void WriteRecords(object? value)
    {
        // Flattening yields records in the value's own order (parent first); a reader rebuilds the value from records
        // in key order, as a run's tree is stored, so they are sorted by encoded path (docs/format.md 15.2).
        var sink = new RecordSink([]);
        _tree.Flatten(value, [], ref sink);
        sink.Records.Sort(static (a, b) => a.Path.AsSpan().SequenceCompareTo(b.Path));
        WriteVarint((ulong)sink.Records.Count);
        foreach ((byte[] path, byte[] encoded) in sink.Records)
        {
            WriteBytes(path);
            WriteBytes(encoded);
        }
    }

    private void Op(OpCode code, string hash)
    {
        Operations++;
        WriteByte((byte)code);
        Ensure(12);
        if (hash.Length != 24 || !Convert.FromHexString(hash, _buffer.AsSpan(_length, 12), out _, out int written).Equals(OperationStatus.Done) || written != 12)
        {
            throw new ArgumentException($"'{hash}' is not a run hash (24 hex characters).", nameof(hash));
        }

        _length += 12;
    }

    /// <summary>
    /// The fields of a <see cref="OpCode.Point"/> before its value, room made once for the whole operation (the bulk
    /// of a batch); returns where the value of at most <paramref name="valueRoom"/> bytes goes (the caller writes it
    /// and advances <see cref="_length"/>).
    /// </summary>
    private Span<byte> PackedPoint(PointForm form, int sequence, long step, long epoch, long micros, int valueRoom)
    {
        Ensure(1 + 5 + 1 + 3 * 10 + valueRoom);
        Operations++;
        Span<byte> to = _buffer.AsSpan(_length);
        bool hasEpoch = epoch != long.MinValue;
        to[0] = (byte)OpCode.Point;
        int n = 1 + Leb128(to[1..], (ulong)sequence);
        to[n++] = (byte)((byte)form | (hasEpoch ? PointForms.EpochBit : 0));
        n += Leb128(to[n..], ZigZag(unchecked(step - _lastStep)));
        _lastStep = step;
        if (hasEpoch)
        {
            n += Leb128(to[n..], ZigZag(unchecked(epoch - _lastEpoch)));
            _lastEpoch = epoch;
        }

        n += Leb128(to[n..], ZigZag(unchecked(micros - _lastMicros)));
        _lastMicros = micros;
        _length += n;
        return to[n..];
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    /// <summary>A float or int point as the fixed-width <see cref="OpCode.TrackFloat"/> or <see cref="OpCode.TrackInt"/>
    /// (<see cref="FixedPoints"/>).</summary>
    private void FixedPoint(OpCode code, int sequence, long step, long epoch, long micros, long bits)
    {
        Ensure(1 + 10 + 4 * 8);
        Operations++;
        Span<byte> to = _buffer.AsSpan(_length);
        to[0] = (byte)code;
        int n = 1 + Leb128(to[1..], (ulong)sequence);
        BinaryPrimitives.WriteInt64LittleEndian(to[n..], step);
        BinaryPrimitives.WriteInt64LittleEndian(to[(n + 8)..], epoch);
        BinaryPrimitives.WriteInt64LittleEndian(to[(n + 16)..], micros);
        BinaryPrimitives.WriteInt64LittleEndian(to[(n + 24)..], bits);
        _length += n + 32;
    }

    private void Point(OpCode code, int sequence, long step, long epoch, long micros)
    {
        Operations++;
        WriteByte((byte)code);
        WriteVarint((ulong)sequence);
        WriteI64(step);
        WriteI64(epoch);
        WriteI64(micros);
    }

    private void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    private void WriteVarint(ulong value)
    {
        Ensure(10);
        _length += Leb128(_buffer.AsSpan(_length), value);
    }

    private void WriteI64(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    private void WriteF64(double value)
    {
        Ensure(8);
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    private void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteVarint((ulong)value.Length);
        WriteRaw(value);
    }

    private void WriteRaw(ReadOnlySpan<byte> value)
    {
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
    }

    private void WriteString(string value)
    {
        int max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        Ensure(max + 10);
        int n = System.Text.Encoding.UTF8.GetByteCount(value);
        WriteVarint((ulong)n);
        _length += System.Text.Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    private void WriteNullableString(string? value)
    {
        if (value is null)
        {
            WriteVarint(0);
            return;
        }

        int n = System.Text.Encoding.UTF8.GetByteCount(value);
        Ensure(n + 10);
        WriteVarint((ulong)n + 1);
        _length += System.Text.Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    private void Ensure(int more)
    {
        if (_length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
        }
    }

    internal static int Leb128(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Collects the flattened records (copies: the writer reuses its buffers between records).</summary>
    private readonly struct RecordSink(List<(byte[] Path, byte[] Value)> records) : ITreeSink
    {
        public List<(byte[] Path, byte[] Value)> Records => records;

        public void Add(ReadOnlySpan<byte> path, ReadOnlySpan<byte> value) => records.Add((path.ToArray(), value.ToArray()));
    }
}
