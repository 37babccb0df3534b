using AimLsm.Tree;
using AimLsm.Encoding;
using TreeRepo = AimLsm.Tree.Repo;

namespace AimLsm.Tests.Tree.Repo;

/// <summary>
/// Runs a <see cref="SequenceModelCase"/> against a real repo on disk and an in-memory model of every sequence
/// (a sorted map of step to value and epoch, the dtype, and the highest step for default steps), checking every read.
/// A failing op is reported with its index and text; FsCheck then prints the whole (shrunk) op list.
/// </summary>
internal sealed class SequenceModelRunner : IDisposable
{
    private readonly string _path;
    private readonly SequenceModelCase _case;
    private readonly RepoOptions _options;
    private readonly string[] _hashes;
    private readonly Run[] _runs;
    private readonly SequenceState[,] _model;
    private readonly double _startSeconds = (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
    private TreeRepo _repo;

    public SequenceModelRunner(string path, SequenceModelCase c)
    {
        _path = path;
        _case = c;
        _options = c.Options();
        _repo = TreeRepo.Open(path, _options);
        _runs = new Run[c.Runs];
        _hashes = new string[c.Runs];
        _model = new SequenceState[c.Runs, SeqOp.Sequences.Length];
        for (int r = 0; r < c.Runs; r++)
        {
            _runs[r] = _repo.CreateRun(name: "model " + r);
            _hashes[r] = _runs[r].Hash;
            for (int s = 0; s < SeqOp.Sequences.Length; s++)
            {
                _model[r, s] = new SequenceState();
            }
        }
    }

    /// <summary>Counters for the test's summary line.</summary>
    public static long Tracks, Checks, Reopens, Rejections;

    /// <summary>Runs the case; <paramref name="behindTheModelsBack"/>, if given, changes run 0 before the final check
    /// without telling the model (to prove the checks can fail).</summary>
    public static void Run(string path, SequenceModelCase c, Action<Run>? behindTheModelsBack = null)
    {
        using var runner = new SequenceModelRunner(path, c);
        for (int i = 0; i < c.Ops.Length; i++)
        {
            try
            {
                runner.Apply(c.Ops[i]);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"op {i} `{c.Ops[i]}` failed: {e.GetType().Name}: {e.Message}", e);
            }
        }

        behindTheModelsBack?.Invoke(runner._runs[0]);
        runner.CheckEverything(runner._repo);
    }

    public void Dispose() => _repo.Dispose();

    private void Apply(SeqOp op)
    {
        switch (op)
        {
            case TrackOp t:
                Track(t);
                break;
            case TrackWrongOp w:
                TrackWrong(w);
                break;
            case FlushOp f:
                if (f.ViaRepo)
                {
                    _repo.Flush();
                }
                else
                {
                    _runs[f.Run].Flush();
                }

                break;
            case ReopenRepoOp:
                ReopenRepo();
                break;
            case ReopenRunOp rr:
                _runs[rr.Run].Dispose();
                Run closed = _repo.GetRun(_hashes[rr.Run]);
                Assert.False(closed.Active, "a disposed run must not be active");
                Assert.NotNull(closed.EndTime);
                _runs[rr.Run] = _repo.OpenRun(_hashes[rr.Run]);
                Assert.True(_runs[rr.Run].Active, "a resumed run is active again");
                Interlocked.Increment(ref Reopens);
                break;
            case ReadOp read:
                _repo.Flush();
                Sequence sequence = read.ViaView && _model[read.Run, read.Seq].Points.Count > 0
                    ? View(read.Run, read.Seq)
                    : Writable(read.Run, read.Seq);
                CheckRead(sequence.Read(read.From, read.To), _model[read.Run, read.Seq].Range(read.From, read.To), _model[read.Run, read.Seq]);
                if (read.ViaView && _model[read.Run, read.Seq].Points.Count == 0)
                {
                    (string name, Context context) = SeqOp.Sequences[read.Seq];
                    Assert.Throws<KeyNotFoundException>(() => _repo.GetRun(_hashes[read.Run]).GetSequence(name, context));
                }

                break;
            case SampleOp sample:
                _repo.Flush();
                CheckSample(sample);
                break;
            case InfoOp info:
                _repo.Flush();
                CheckInfo(Writable(info.Run, info.Seq).Info, _model[info.Run, info.Seq]);
                CheckSequenceList(_runs[info.Run], info.Run);
                break;
            case ReadOnlyCheckOp:
                _repo.Flush();
                using (TreeRepo readOnly = TreeRepo.OpenReadOnly(_path, _options))
                {
                    CheckEverything(readOnly);
                }

                break;
            default:
                throw new InvalidOperationException("unknown op " + op);
        }
    }

    private Sequence Writable(int run, int seq)
    {
        (string name, Context context) = SeqOp.Sequences[seq];
        return _runs[run].GetSequence(name, context);
    }

    private Sequence View(int run, int seq)
    {
        (string name, Context context) = SeqOp.Sequences[seq];
        return _repo.GetRun(_hashes[run]).GetSequence(name, context);
    }

    private void Track(TrackOp t)
    {
        (string name, Context context) = SeqOp.Sequences[t.Seq];
        Run run = _runs[t.Run];
        switch (t.Api)
        {
            case TrackApi.Run:
                run.Track(t.Value.Value, name, t.Step, t.Epoch, context);
                break;
            case TrackApi.Sequence:
                run.GetSequence(name, context).Track(t.Value.Value, t.Step, t.Epoch);
                break;
            default:
                run.Track(new Dictionary<string, object?> { [name] = t.Value.Value }, t.Step, t.Epoch, context);
                break;
        }

        _model[t.Run, t.Seq].Track(t.Step, t.Value, t.Epoch);
        Interlocked.Increment(ref Tracks);
    }

    private void TrackWrong(TrackWrongOp w)
    {
        SequenceState state = _model[w.Run, w.Seq];
        if (state.Dtype is null)
        {
            return; // an empty sequence takes any dtype: nothing to reject
        }

        object? wrong = w.Seq != SeqOp.ObjectSequence
            ? w.Variant switch
            {
                0 => "oops",
                1 => true,
                2 => null,
                _ => new List<object?> { 1.0 },
            }
            : _case.Objects switch
            {
                ObjectKind.Str => 1.5,
                ObjectKind.None => "x",
                ObjectKind.Bool => 2L,
                ObjectKind.Dict => "x",
                ObjectKind.IntList => new List<object?> { "a" },
                _ => new AimObject("aim.image"),
            };
        (string name, Context context) = SeqOp.Sequences[w.Seq];
        var e = Assert.Throws<ArgumentException>(() => _runs[w.Run].Track(wrong, name, step: 0, context: context));
        Assert.Contains(state.Dtype, e.Message, StringComparison.Ordinal);
        Interlocked.Increment(ref Rejections);
    }

    private void ReopenRepo()
    {
        _repo.Dispose();
        _repo = TreeRepo.Open(_path, _options);
        for (int r = 0; r < _runs.Length; r++)
        {
            Assert.False(_repo.GetRun(_hashes[r]).Active, "a run closed by Repo.Dispose must not be active");
            _runs[r] = _repo.OpenRun(_hashes[r]);
        }

        Interlocked.Increment(ref Reopens);
    }

    private void CheckEverything(TreeRepo repo)
    {
        _repo.Flush();
        Assert.Equal(_hashes.Order(StringComparer.Ordinal), repo.Runs.Select(r => r.Hash));
        for (int r = 0; r < _runs.Length; r++)
        {
            Run view = repo.GetRun(_hashes[r]);
            Assert.True(view.Active, "an open run reads as active");
            Assert.Equal("model " + r, view.Name);
            CheckSequenceList(view, r);
            for (int s = 0; s < SeqOp.Sequences.Length; s++)
            {
                (string name, Context context) = SeqOp.Sequences[s];
                SequenceState state = _model[r, s];
                if (state.Points.Count == 0)
                {
                    Assert.Throws<KeyNotFoundException>(() => view.GetSequence(name, context));
                    continue;
                }

                Sequence sequence = view.GetSequence(name, context);
                CheckRead(sequence.Read(), state.Range(long.MinValue, long.MaxValue), state);
                CheckInfo(sequence.Info, state);
            }
        }

        Interlocked.Increment(ref Checks);
    }

    private void CheckSequenceList(Run run, int r)
    {
        var expected = new List<string>();
        for (int s = 0; s < SeqOp.Sequences.Length; s++)
        {
            if (_model[r, s].Points.Count > 0)
            {
                expected.Add($"{SeqOp.Sequences[s].Name} {SeqOp.Sequences[s].Context} {_model[r, s].Points.Count}");
            }
        }

        List<string> actual = [.. run.Sequences.Select(i => $"{i.Name} {i.Context} {i.Count}")];
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
    }

    private void CheckRead(SequenceData data, List<KeyValuePair<long, Point>> expected, SequenceState state)
    {
        Assert.Equal(expected.Select(p => p.Key), data.Steps);
        Assert.Equal(expected.Select(p => p.Value.Epoch), data.Epochs);
        Assert.Equal(expected.Count, data.Count);
        Assert.Equal(expected.Count, data.Timestamps.Length);
        double now = (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
        Assert.All(data.Timestamps, t => Assert.InRange(t, _startSeconds - 5, now + 5));
        CheckValues(data, expected.Select(p => p.Value.Value).ToList(), state);
        Interlocked.Increment(ref Checks);
    }

    private static void CheckValues(SequenceData data, List<TVal> expected, SequenceState state)
    {
        if (!state.IsNumeric)
        {
            Assert.Null(data.Numbers);
            Assert.NotNull(data.Objects);
            Assert.Equal(expected.Select(v => v.Text), data.Objects.Select(RepoTestKit.Render));
            return;
        }

        Assert.Null(data.Objects);
        Assert.NotNull(data.Numbers);
        Assert.Equal(expected.Select(v => Bits(v.Value)), data.Numbers.Select(d => BitConverter.DoubleToInt64Bits(d)));
        if (expected.Any(v => v.Value is double))
        {
            Assert.Null(data.Integers);
        }
        else if (expected.Count > 0)
        {
            Assert.NotNull(data.Integers);
            Assert.Equal(expected.Select(v => (long)v.Value!), data.Integers);
        }

        for (int i = 0; i < expected.Count; i++)
        {
            // GetValue takes the exact int column when there is one, else the doubles.
            object? value = data.GetValue(i);
            Assert.Equal(data.Integers is null ? typeof(double) : typeof(long), value?.GetType());
            Assert.Equal(Bits(expected[i].Value), Bits(value));
        }
    }

    private static long Bits(object? value) => BitConverter.DoubleToInt64Bits(value is long l ? l : (double)value!);

    private void CheckSample(SampleOp op)
    {
        (string name, Context context) = SeqOp.Sequences[op.Seq];
        SequenceState state = _model[op.Run, op.Seq];
        List<KeyValuePair<long, Point>> range = state.Range(op.From, op.To);
        SequenceData sample = _runs[op.Run].GetSequence(name, context).Sample(op.Points, op.From, op.To);
        Assert.Equal(Math.Min(op.Points, range.Count), sample.Count);
        var positions = new List<int>(sample.Count);
        int search = 0;
        for (int i = 0; i < sample.Count; i++)
        {
            // A subset of the range, in order: each sampled step is a later record of the range.
            while (search < range.Count && range[search].Key != sample.Steps[i])
            {
                search++;
            }

            Assert.True(search < range.Count, $"sampled step {sample.Steps[i]} is not a record of the range after position {positions.LastOrDefault()}");
            positions.Add(search);
            search++;
        }

        CheckValues(sample, positions.Select(p => range[p].Value.Value).ToList(), state);
        Assert.Equal(positions.Select(p => range[p].Value.Epoch), sample.Epochs);
        if (range.Count == 0)
        {
            return;
        }

        Assert.Equal(range[^1].Key, sample.Steps[^1]);
        if (op.Points >= 2)
        {
            Assert.Equal(range[0].Key, sample.Steps[0]);
        }

        if (positions.Count >= 3)
        {
            // Evenly spaced by position: the gaps differ by at most one.
            int[] gaps = [.. positions.Zip(positions.Skip(1), (a, b) => b - a)];
            Assert.True(gaps.Max() - gaps.Min() <= 1, $"sample positions are not evenly spaced: {string.Join(",", positions)} of {range.Count}");
        }

        Interlocked.Increment(ref Checks);
    }

    private void CheckInfo(SequenceInfo info, SequenceState state)
    {
        Assert.Equal(state.Points.Count, info.Count);
        if (state.Points.Count == 0)
        {
            Assert.Equal("none", info.Dtype);
            Assert.Null(info.Min);
            Assert.Null(info.Max);
            return;
        }

        Assert.Equal(state.Dtype, info.Dtype);
        Assert.Equal(state.IsNumeric, info.IsNumeric);
        long first = state.Points.Keys.First(), last = state.Points.Keys.Last();
        Assert.Equal(first, info.FirstStep);
        Assert.Equal(last, info.LastStep);
        Assert.Equal(ScalarText(state.Points[first].Value, _options.BlobThreshold), RepoTestKit.Render(info.First));
        Assert.Equal(ScalarText(state.Points[last].Value, _options.BlobThreshold), RepoTestKit.Render(info.Last));
        double[] numbers = [.. state.Points.Values.Select(p => p.Value.Value).Where(v => v is long or double)
            .Select(v => v is long l ? l : (double)v!).Where(d => !double.IsNaN(d))];
        if (numbers.Length == 0)
        {
            Assert.Null(info.Min);
            Assert.Null(info.Max);
        }
        else
        {
            Assert.NotNull(info.Min);
            Assert.NotNull(info.Max);
            Assert.Equal(numbers.Min(), Convert.ToDouble(info.Min, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(numbers.Max(), Convert.ToDouble(info.Max, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>What the metadata keeps of a value as first or last: scalars as they are, composite values as None.</summary>
    /// <summary>What the metadata keeps as first or last: a scalar, except composite values and str or bytes stored
    /// apart (encoded, at least the blob threshold), which it keeps as None.</summary>
    private static string ScalarText(TVal value, int blobThreshold) => value.Value switch
    {
        AimObject or System.Collections.IDictionary => "None",
        string s when 1 + System.Text.Encoding.UTF8.GetByteCount(s) >= blobThreshold => "None",
        byte[] b when 1 + b.Length >= blobThreshold => "None",
        System.Collections.IList => "None",
        _ => value.Text,
    };

    internal readonly record struct Point(TVal Value, long? Epoch);

    /// <summary>The model of one sequence.</summary>
    internal sealed class SequenceState
    {
        /// <summary>The highest step tracked, or null.</summary>
        private long? _maxStep;

        public SortedDictionary<long, Point> Points { get; } = [];

        public string? Dtype { get; private set; }

        public bool IsNumeric => Dtype is "int" or "float" or "number";

        public void Track(long? step, TVal value, long? epoch)
        {
            // As Aim's RunTracker: the next default step is one past the highest step so far, and never below 0.
            long resolved = step ?? (_maxStep is { } max ? Math.Max(0, max + 1) : 0);
            _maxStep = _maxStep is { } m ? Math.Max(m, resolved) : resolved;
            Points[resolved] = new Point(value, epoch);
            Dtype = Merge(Dtype, DtypeOf(value.Value));
        }

        public List<KeyValuePair<long, Point>> Range(long from, long to) => [.. Points.Where(p => p.Key >= from && p.Key < to)];

        private static string Merge(string? existing, string incoming)
        {
            if (existing is null || existing == incoming)
            {
                return incoming;
            }

            if (existing is "int" or "float" or "number" && incoming is "int" or "float")
            {
                return "number";
            }

            throw new InvalidOperationException($"the generator made a {incoming} value for a {existing} sequence");
        }

        private static string DtypeOf(object? value) => value switch
        {
            null => "none",
            bool => "bool",
            long => "int",
            double => "float",
            string => "str",
            AimObject o => o.TypeName,
            System.Collections.IDictionary => "dict",
            List<object?> list => "list(" + DtypeOf(list[0]) + ")",
            _ => throw new InvalidOperationException("no dtype for " + value.GetType()),
        };
    }
}
