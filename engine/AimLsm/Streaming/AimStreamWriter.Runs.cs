using AimLsm.Tree;
using AimLsm.Encoding;

namespace AimLsm.Streaming;

public sealed partial class AimStreamWriter
{
    private PropsSelection _props = PropsSelection.All;
    private IReadOnlyList<string>? _propsFor;

    /// <summary>
    /// Writes one run as one chunk, then flushes (docs/format.md, section 14.3). With a
    /// <see cref="StreamOptions.Density"/> it is the object Aim's metric search sends: under the run's hash,
    /// <c>params</c> (the run's tree), <c>traces</c> (a list, each trace with its points sampled to that density over
    /// the step range) and <c>props</c>. Without one it is the object Aim's run search sends: <c>props</c>,
    /// <c>params</c>, and <c>traces</c> grouped by sequence type with each trace's metadata under <c>values</c>
    /// (<see cref="TraceOverview"/>); stream long sequences whole with <see cref="WriteSequenceAsync"/>. The caller
    /// writes progress between runs (<see cref="WriteProgressAsync"/>), as Aim does.
    /// </summary>
    /// <param name="run">The run.</param>
    /// <param name="sequences">The traces to include (for example the sequences a query matched); null for all of them.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>False when the reader has gone away.</returns>
    public ValueTask<bool> WriteRunAsync(Run run, IEnumerable<SequenceInfo>? sequences = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!Begin(cancellationToken))
        {
            return new ValueTask<bool>(false);
        }

        _path.Clear();
        _path.Push(run.Hash);
        int root = _path.Length;
        if (Options.Density is { } density)
        {
            WriteParams(run);
            _path.Push(StreamFormat.TracesField);
            _records.WriteMarker(_path.Span, AimType.List);
            int index = 0;
            foreach (SequenceInfo info in sequences ?? run.Sequences)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int mark = _path.Push(index++);
                var sequence = new Sequence(run, info.Name, info.Context);
                SequenceData data = SequenceSampler.Sample(sequence, density, Options.FromStep, Options.ToStep, Options.Sampling);
                WriteTrace(run, info, data, 0, data.Count, chunk: 0, mayBeFinal: true, byteBudget: long.MaxValue);
                _path.Truncate(mark);
            }

            _path.Truncate(root);
            WriteProps(run);
        }
        else
        {
            // The order of Aim's run_search_result_streamer: props, then params, then traces.
            WriteProps(run);
            WriteParams(run);
            var sink = new RecordSink(_records);
            _path.Push(StreamFormat.TracesField);
            var traces = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach ((string group, List<SequenceInfo> infos) in TraceOverview.Group(sequences ?? run.Sequences, everyKind: false))
            {
                traces[group] = infos.ConvertAll(info => (object?)TraceOverview.Trace(info));
            }

            _tree.Flatten(traces, _path.Span, ref sink);
        }

        _path.Truncate(root);
        return FlushAsync(cancellationToken);
    }

    /// <summary>Writes <c>params</c> under the run's hash (the path holds just the hash, and is left so): the whole
    /// tree, or the subtrees of <see cref="StreamOptions.Params"/>.</summary>
    private void WriteParams(Run run)
    {
        int root = _path.Length;
        var sink = new RecordSink(_records);
        _path.Push(StreamFormat.ParamsField);
        if (Options.Params is not { } paths)
        {
            object? parameters = run.Tree.TryRead(out object? stored) ? stored : new Dictionary<string, object?>();
            _tree.Flatten(parameters, _path.Span, ref sink);
            _path.Truncate(root);
            return;
        }

        int below = _path.Length;
        long written = _records.Written;
        foreach (IReadOnlyList<PathSegment> path in paths)
        {
            PathSegment[] segments = path as PathSegment[] ?? [.. path];
            foreach (PathSegment segment in segments)
            {
                _path.Push(segment);
            }

            if (run.Tree[segments].TryRead(out object? value))
            {
                _tree.Flatten(value, _path.Span, ref sink);
            }

            _path.Truncate(below);
        }

        if (_records.Written == written)
        {
            // None of the paths holds anything: params is an empty dict, which is the one dict written as a record.
            _records.WriteMarker(_path.Span, AimType.Dict);
        }

        _path.Truncate(root);
    }

    /// <summary>Writes <c>props</c> under the run's hash (the path holds just the hash, and is left so).</summary>
    private void WriteProps(Run run)
    {
        int root = _path.Length;
        var sink = new RecordSink(_records);
        _path.Push(StreamFormat.PropsField);
        _tree.Flatten(SelectedProps().Build(run), _path.Span, ref sink);
        _path.Truncate(root);
    }

    /// <summary>The props selection of <see cref="StreamOptions.Props"/>, parsed again only when the list changes.</summary>
    private PropsSelection SelectedProps()
    {
        if (!ReferenceEquals(_propsFor, Options.Props))
        {
            _props = Options.Props is { } paths ? PropsSelection.Parse(paths) : PropsSelection.All;
            _propsFor = Options.Props;
        }

        return _props;
    }
}
