using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace AimLsm.Streaming;

/// <summary>
/// Decodes a stream in Aim's format (docs/format.md, section 14) from a <see cref="PipeReader"/>: ours, or one an
/// Aim server sent. Records may be split across reads anywhere; a record is decoded once all its bytes have arrived,
/// and results are yielded after each read, so a long stream is decoded chunk by chunk as it comes.
/// <list type="bullet">
/// <item>Each method owns the reader: it completes it when the enumeration ends, fails or is abandoned (a
/// <c>break</c>), so a writer on the other side sees the reader gone and stops.</item>
/// <item>A stream that ends inside a record, a length above <see cref="StreamReaderOptions.MaxRecordSize"/>, a
/// malformed key or value, records that do not fold, or a marker of a newer version throw a
/// <see cref="StreamFormatException"/> naming the byte offset.</item>
/// </list>
/// Stateless and thread-safe; each enumeration is single-threaded.
/// </summary>
public static class AimStreamReader
{
    /// <summary>The records of the stream, one by one, copied out of the pipe.</summary>
    /// <exception cref="StreamFormatException">The stream is truncated or a length is too large.</exception>
    public static IAsyncEnumerable<StreamRecord> ReadRecordsAsync(PipeReader input, StreamReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ReadAsync(input, new RecordCollector(), (options ?? new StreamReaderOptions()).Validate().MaxRecordSize, cancellationToken);
    }

    /// <summary>
    /// The top-level objects of the stream, each folded into a value as soon as the next object starts (Aim's
    /// <c>iterFoldTree(level=1)</c>). Progress reports and the marker are included, told apart by
    /// <see cref="StreamObject.Kind"/>.
    /// </summary>
    /// <exception cref="StreamFormatException">The stream is malformed.</exception>
    public static IAsyncEnumerable<StreamObject> ReadObjectsAsync(PipeReader input, StreamReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ReadAsync(input, new ObjectAssembler(), (options ?? new StreamReaderOptions()).Validate().MaxRecordSize, cancellationToken);
    }

    /// <summary>The runs of a run or sequence stream, decoded (<see cref="StreamedRun"/>); progress and the marker are skipped.</summary>
    /// <exception cref="StreamFormatException">The stream is malformed, or a data object is not a run.</exception>
    public static async IAsyncEnumerable<StreamedRun> ReadRunsAsync(PipeReader input, StreamReaderOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (StreamObject obj in ReadObjectsAsync(input, options, cancellationToken).ConfigureAwait(false))
        {
            if (obj.Kind == StreamObjectKind.Object)
            {
                yield return StreamedRun.FromObject(obj);
            }
        }
    }

    private static async IAsyncEnumerable<T> ReadAsync<T>(PipeReader input, RecordConsumer<T> consumer, int maxRecordSize,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            long offset = 0;
            while (true)
            {
                ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("The stream's pending read was canceled.", cancellationToken);
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                long consumed = Parse(buffer, offset, maxRecordSize, consumer);
                if (result.IsCompleted)
                {
                    if (consumed != buffer.Length)
                    {
                        throw Truncated(buffer.Slice(consumed), offset + consumed);
                    }

                    consumer.Finish();
                }

                input.AdvanceTo(buffer.GetPosition(consumed), buffer.End);
                offset += consumed;
                foreach (T item in consumer.Ready)
                {
                    yield return item;
                }

                consumer.Ready.Clear();
                if (result.IsCompleted)
                {
                    yield break;
                }
            }
        }
        finally
        {
            await input.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Hands every whole record of <paramref name="buffer"/> to <paramref name="consumer"/>; returns the bytes they take.</summary>
    private static long Parse<T>(in ReadOnlySequence<byte> buffer, long offset, int maxRecordSize, RecordConsumer<T> consumer)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            long start = reader.Consumed;
            if (!TryReadLength(ref reader, maxRecordSize, offset + start, "key", out int keyLength) || reader.Remaining < keyLength)
            {
                return start;
            }

            ReadOnlySequence<byte> key = reader.UnreadSequence.Slice(0, keyLength);
            reader.Advance(keyLength);
            if (!TryReadLength(ref reader, maxRecordSize, offset + start, "value", out int valueLength) || reader.Remaining < valueLength)
            {
                return start;
            }

            ReadOnlySequence<byte> value = reader.UnreadSequence.Slice(0, valueLength);
            reader.Advance(valueLength);
            consumer.Add(key, value, offset + start);
        }
    }

    private static bool TryReadLength(ref SequenceReader<byte> reader, int maxRecordSize, long recordOffset, string what, out int length)
    {
        length = 0;
        if (!reader.TryReadLittleEndian(out int raw))
        {
            return false;
        }

        if ((uint)raw > (uint)maxRecordSize)
        {
            throw new StreamFormatException(recordOffset,
                $"the record's {what} length is {(uint)raw} bytes, more than MaxRecordSize ({maxRecordSize}); is this an Aim stream?");
        }

        length = raw;
        return true;
    }

    /// <summary>The error for a stream that ends inside the record starting at <paramref name="offset"/>.</summary>
    private static StreamFormatException Truncated(ReadOnlySequence<byte> rest, long offset)
    {
        var reader = new SequenceReader<byte>(rest);
        string where;
        if (!reader.TryReadLittleEndian(out int keyLength))
        {
            where = $"inside the key length ({rest.Length} of {StreamFormat.LengthSize} bytes)";
        }
        else if (reader.Remaining < keyLength)
        {
            where = $"inside the key ({reader.Remaining} of {keyLength} bytes)";
        }
        else
        {
            reader.Advance(keyLength);
            where = !reader.TryReadLittleEndian(out int valueLength)
                ? $"inside the value length ({reader.Remaining} of {StreamFormat.LengthSize} bytes)"
                : $"inside the value ({reader.Remaining} of {valueLength} bytes)";
        }

        return new StreamFormatException(offset, $"the stream ends {where} of the record that starts here; was the writer cut off?");
    }
}
