using AimLsm.Tree;
using AimLsm.Encoding;

namespace AimLsm.Streaming;

public sealed partial class AimStreamWriter
{
    /// <summary>
    /// Streams one sequence chunk by chunk (docs/format.md, section 14.3): each chunk is an object under the run's
    /// hash holding <c>traces: [one piece]</c>, followed by a progress record <c>[points sent, points in the
    /// sequence]</c> and a flush. With a <see cref="StreamOptions.Density"/> the step range is sampled first
    /// (<see cref="SequenceSampler"/>); without one every point of the range is streamed, read in windows so that
    /// memory stays bounded. A chunk holds at most <see cref="StreamOptions.ChunkPoints"/> points and ends after
    /// <see cref="StreamOptions.ChunkBytes"/>; its <c>chunk</c> field counts from 0 and the last has
    /// <c>final = True</c>. An empty range gives one empty final chunk.
    /// </summary>
    /// <returns>False when the reader has gone away.</returns>
    /// <exception cref="OperationCanceledException">The token fired, or the flush was canceled.</exception>
    public async ValueTask<bool> WriteSequenceAsync(Sequence sequence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        if (!Begin(cancellationToken))
        {
            return false;
        }

        SequenceInfo info = sequence.Info;
        if (Options.Density is { } density)
        {
            SequenceData? sampled = SequenceSampler.Sample(sequence, density, Options.FromStep, Options.ToStep, Options.Sampling);
            long total = sampled.Count;
            return await WriteChunksAsync(sequence.Run, info, () => Take(ref sampled), total, cancellationToken).ConfigureAwait(false);
        }

        var windows = new SequenceWindows(sequence, info, Options.FromStep, Options.ToStep, Options.ChunkPoints);
        return await WriteChunksAsync(sequence.Run, info, windows.Next, info.Count, cancellationToken).ConfigureAwait(false);
    }

    private static SequenceData? Take(ref SequenceData? data)
    {
        SequenceData? result = data is { Count: > 0 } ? data : null;
        data = null;
        return result;
    }

    /// <summary>
    /// Cuts the pieces <paramref name="next"/> returns into chunks. A piece is looked ahead of only when the current
    /// one is used up, to know whether a chunk is the final one.
    /// </summary>
    private async ValueTask<bool> WriteChunksAsync(Run run, SequenceInfo info, Func<SequenceData?> next, long total, CancellationToken cancellationToken)
    {
        SequenceData? current = next();
        SequenceData? ahead = null;
        bool lookedAhead = false;
        int offset = 0;
        long sent = 0;
        for (int chunk = 0; ; chunk++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = current?.Count ?? 0;
            bool numeric = current is null ? info.IsNumeric : current.Numbers is not null;
            int n = Math.Min(count - offset, numeric ? Options.NumericChunkPoints : Options.ChunkPoints);
            if (offset + n == count && !lookedAhead)
            {
                ahead = next();
                lookedAhead = true;
            }

            _path.Clear();
            _path.Push(run.Hash);
            _path.Push(StreamFormat.TracesField);
            _records.WriteMarker(_path.Span, AimType.List);
            _path.Push(0);
            int written = WriteTrace(run, info, current, offset, n, chunk, mayBeFinal: offset + n == count && ahead is null, Options.ChunkBytes);
            offset += written;
            sent += written;
            WriteProgress(sent, Math.Max(total, sent));
            if (!await FlushAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            if (offset == count)
            {
                if (ahead is null)
                {
                    return true;
                }

                (current, ahead, lookedAhead, offset) = (ahead, null, false, 0);
            }
        }
    }

    /// <summary>
    /// Writes one piece of a trace at the current path: <c>name, context, dtype, slice, chunk, values, iters,
    /// epochs, timestamps, final</c>. Objects stop early once <paramref name="byteBudget"/> bytes are written
    /// (always after at least one); returns the points written.
    /// </summary>
    private int WriteTrace(Run run, SequenceInfo info, SequenceData? data, int offset, int count, int chunk, bool mayBeFinal, long byteBudget)
    {
        int trace = _path.Length;
        long start = _records.Written;
        var sink = new RecordSink(_records);
        _path.Push(StreamFormat.NameField);
        _records.WriteString(_path.Span, info.Name);
        _path.Truncate(trace);
        _path.Push(StreamFormat.ContextField);
        _tree.Flatten(TraceOverview.ContextDict(info.Context), _path.Span, ref sink);
        _path.Truncate(trace);
        _path.Push(StreamFormat.DtypeField);
        _records.WriteString(_path.Span, info.Dtype);
        _path.Truncate(trace);
        _path.Push(StreamFormat.SliceField);
        _records.WriteMarker(_path.Span, AimType.List);
        WriteListItems(Math.Max(Options.FromStep, info.FirstStep), info.LastStep == long.MaxValue ? Options.ToStep : Math.Min(Options.ToStep, info.LastStep + 1),
            Options.Density ?? 0);
        _path.Truncate(trace);
        _path.Push(StreamFormat.ChunkField);
        _records.WriteInt(_path.Span, chunk);
        _path.Truncate(trace);

        _path.Push(StreamFormat.ValuesField);
        int written = count;
        if (data is null)
        {
            if (info.IsNumeric)
            {
                NumpyColumn.Write(_records, _path, ReadOnlySpan<double>.Empty);
            }
            else
            {
                _records.WriteMarker(_path.Span, AimType.List);
            }
        }
        else if (data.Integers is { } integers)
        {
            NumpyColumn.Write(_records, _path, integers.AsSpan(offset, count));
        }
        else if (data.Numbers is { } numbers)
        {
            NumpyColumn.Write(_records, _path, numbers.AsSpan(offset, count));
        }
        else
        {
            written = WriteObjects(run, info, data, offset, count, start, byteBudget);
        }

        _path.Truncate(trace);
        _path.Push(StreamFormat.ItersField);
        NumpyColumn.Write(_records, _path, data is null ? [] : data.Steps.AsSpan(offset, written));
        _path.Truncate(trace);
        _path.Push(StreamFormat.EpochsField);
        NumpyColumn.Write(_records, _path, data is null ? [] : data.Epochs.AsSpan(offset, written));
        _path.Truncate(trace);
        _path.Push(StreamFormat.TimestampsField);
        NumpyColumn.Write(_records, _path, data is null ? [] : data.Timestamps.AsSpan(offset, written));
        _path.Truncate(trace);
        _path.Push(StreamFormat.FinalField);
        _records.WriteBool(_path.Span, mayBeFinal && written == count);
        _path.Truncate(trace);
        PointsWritten += written;
        return written;
    }

    /// <summary>Writes the values list of a piece of objects; stops after the object that brings the bytes written
    /// since <paramref name="start"/> to <paramref name="byteBudget"/>.</summary>
    private int WriteObjects(Run run, SequenceInfo info, SequenceData data, int offset, int count, long start, long byteBudget)
    {
        _records.WriteMarker(_path.Span, AimType.List);
        var sink = new RecordSink(_records);
        using var preparer = new ObjectPreparer(run, info, Options, _field, _blob);
        for (int k = 0; k < count; k++)
        {
            object? value = preparer.Prepare(data.Objects![offset + k], data.Steps[offset + k]);
            int mark = _path.Push(k);
            _tree.Flatten(value, _path.Span, ref sink);
            _path.Truncate(mark);
            if (_records.Written - start >= byteBudget && k + 1 < count)
            {
                return k + 1;
            }
        }

        return count;
    }

    /// <summary>Writes ints at int segments 0.. below the current path (the list marker is the caller's).</summary>
    private void WriteListItems(params ReadOnlySpan<long> items)
    {
        for (int i = 0; i < items.Length; i++)
        {
            int mark = _path.Push(i);
            _records.WriteInt(_path.Span, items[i]);
            _path.Truncate(mark);
        }
    }
}
