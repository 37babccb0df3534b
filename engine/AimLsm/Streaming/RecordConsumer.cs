using System.Buffers;

namespace AimLsm.Streaming;

/// <summary>
/// Receives the records <see cref="AimStreamReader"/> parses, while their bytes are still in the pipe's buffers:
/// an implementation copies what it keeps, and queues finished results in <see cref="Ready"/>, which the reader
/// yields and clears after each read. Not thread-safe.
/// </summary>
internal abstract class RecordConsumer<T>
{
    /// <summary>Results finished since the reader last drained them.</summary>
    public List<T> Ready { get; } = [];

    /// <summary>One record at <paramref name="offset"/>; the sequences are valid only during the call.</summary>
    /// <exception cref="StreamFormatException">The record is malformed or cannot follow the earlier ones.</exception>
    public abstract void Add(in ReadOnlySequence<byte> key, in ReadOnlySequence<byte> value, long offset);

    /// <summary>The stream ended cleanly after a whole record.</summary>
    public virtual void Finish()
    {
    }
}

/// <summary>Copies each record out as a <see cref="StreamRecord"/> (one array per record, key and value side by side).</summary>
internal sealed class RecordCollector : RecordConsumer<StreamRecord>
{
    /// <inheritdoc/>
    public override void Add(in ReadOnlySequence<byte> key, in ReadOnlySequence<byte> value, long offset)
    {
        var bytes = new byte[key.Length + value.Length];
        key.CopyTo(bytes);
        value.CopyTo(bytes.AsSpan((int)key.Length));
        Ready.Add(new StreamRecord(bytes.AsMemory(0, (int)key.Length), bytes.AsMemory((int)key.Length), offset));
    }
}
