using System.Buffers;
using System.IO.Pipelines;
using AimLsm.Encoding;

namespace AimLsm.Streaming;

/// <summary>
/// Serializes runs, sequences and blobs into a <see cref="PipeWriter"/> in Aim's streaming format (docs/format.md,
/// section 14), chunk by chunk: each chunk is one top-level object (a run, or a piece of a long sequence), encoded
/// straight into the pipe's buffers and then flushed.
/// <list type="bullet">
/// <item><b>Back-pressure.</b> Every chunk ends with <see cref="PipeWriter.FlushAsync"/>, which waits while the reader
/// is behind (the pipe's pause threshold), so memory stays bounded by one chunk plus the pipe's window.</item>
/// <item><b>A reader that goes away.</b> When a flush reports the reader completed, the method returns false, and every
/// later call returns false at once without reading the repo: stop writing. A canceled token, or a flush canceled with
/// <see cref="PipeWriter.CancelPendingFlush"/>, throws <see cref="OperationCanceledException"/>.</item>
/// <item><b>Errors.</b> After an exception (cancellation, a value that cannot be encoded, a repo error) a chunk may be
/// half written: complete the pipe with the exception rather than writing on.</item>
/// </list>
/// The first call writes the version marker (unless <see cref="StreamOptions.WriteMarker"/> is off). The writer does
/// not complete the pipe. Not thread-safe: one writer, one caller at a time.
/// </summary>
public sealed partial class AimStreamWriter
{
    private readonly PipeWriter _output;
    private long _bytesReported; // BytesWritten already added to StreamMetrics
    private readonly RecordWriter _records;
    private readonly PathBuilder _path = new();
    private readonly PathBuilder _field = new();
    private readonly TreeWriter _tree = new();
    private readonly ArrayBufferWriter<byte> _blob = new(256);
    private long _progressReports;
    private bool _started;

    /// <summary>Creates a writer into <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public AimStreamWriter(PipeWriter output, StreamOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _records = new RecordWriter(output);
        Options = (options ?? new StreamOptions()).Validate();
    }

    /// <summary>The options in force. Changing them between calls is allowed; they are validated per call.</summary>
    public StreamOptions Options { get; }

    /// <summary>Bytes written into the pipe so far.</summary>
    public long BytesWritten => _records.Written;

    /// <summary>Sequence points written so far, over all traces.</summary>
    public long PointsWritten { get; private set; }

    /// <summary>True once a flush found that the reader completed: nothing more will be written.</summary>
    public bool IsReaderCompleted { get; private set; }

    /// <summary>
    /// Writes <paramref name="value"/> (anything <see cref="TreeWriter"/> accepts: scalars, lists, dicts,
    /// <see cref="AimObject"/>s) as one top-level object under <paramref name="key"/>, then flushes.
    /// </summary>
    /// <returns>False when the reader has gone away.</returns>
    /// <exception cref="ArgumentException">The value holds a type the tree encoding does not accept.</exception>
    public ValueTask<bool> WriteObjectAsync(PathSegment key, object? value, CancellationToken cancellationToken = default)
    {
        if (!Begin(cancellationToken))
        {
            return new ValueTask<bool>(false);
        }

        _path.Clear();
        _path.Push(key);
        var sink = new RecordSink(_records);
        _tree.Flatten(value, _path.Span, ref sink);
        return FlushAsync(cancellationToken);
    }

    /// <summary>Writes a progress record <c>progress_N = [checked, total]</c> (N counts this writer's reports), then flushes.</summary>
    /// <returns>False when the reader has gone away.</returns>
    public ValueTask<bool> WriteProgressAsync(long checkedCount, long total, CancellationToken cancellationToken = default)
    {
        if (!Begin(cancellationToken))
        {
            return new ValueTask<bool>(false);
        }

        WriteProgress(checkedCount, total);
        return FlushAsync(cancellationToken);
    }

    /// <summary>Checks the token and the reader; writes the marker on the first call. False when the reader is gone.</summary>
    private bool Begin(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Options.Validate();
        if (IsReaderCompleted)
        {
            return false;
        }

        if (!_started)
        {
            _started = true;
            if (Options.WriteMarker)
            {
                WriteList(StreamFormat.MarkerKey, 0, 0, StreamFormat.Version);
            }
        }

        return true;
    }

    private void WriteProgress(long checkedCount, long total) =>
        WriteList(string.Concat(StreamFormat.ProgressPrefix, "_", (_progressReports++).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            checkedCount, total);

    /// <summary>Writes the top-level object <paramref name="key"/> = a list of ints.</summary>
    private void WriteList(string key, params ReadOnlySpan<long> items)
    {
        _path.Clear();
        _path.Push(key);
        _records.WriteMarker(_path.Span, AimType.List);
        WriteListItems(items);
    }

    /// <summary>Flushes; false when the reader completed.</summary>
    /// <exception cref="OperationCanceledException">The token fired, or the flush was canceled.</exception>
    private async ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
    {
        _bytesReported = StreamMetrics.Report(BytesWritten, _bytesReported);
        FlushResult result = await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled)
        {
            throw new OperationCanceledException("The stream's pending flush was canceled.", cancellationToken);
        }

        if (result.IsCompleted)
        {
            IsReaderCompleted = true;
            return false;
        }

        return true;
    }
}
