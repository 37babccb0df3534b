using System.Diagnostics;
using AimLsm.Tree.Encoding;

namespace AimLsm.Query.Runtime;

/// <summary>
/// What compiled query code sees while it evaluates: the current run and sequence, a per-run cache of the params and
/// <c>run.metrics[...]</c> views the query names (so each is read from the run at most once, and only when needed),
/// the limits, the clock, and the time budget. One context serves one enumeration and is reset for each run, so the
/// hot path allocates nothing for it. Not thread-safe.
/// </summary>
internal sealed class EvalContext
{
    /// <summary>How many units of work pass between two looks at the clock and the cancellation token.</summary>
    private const int CheckInterval = 1024;

    private static readonly object Unloaded = new();

    private readonly PathSegment[][] _paramPaths;
    private readonly object?[] _params;
    private readonly object?[] _metrics;
    private readonly TimeSpan _budget;
    private readonly CancellationToken _cancellationToken;
    private IQueryRun? _run;
    private List<object?>? _tags;
    private readonly long _workLimit;
    private long _deadline = long.MaxValue;
    private long _work;
    private long _totalWork;

    /// <summary>Creates a context for a query that names <paramref name="paramPaths"/> and <paramref name="metricSlots"/> constant <c>run.metrics[...]</c> views.</summary>
    public EvalContext(PathSegment[][] paramPaths, int metricSlots, QueryLimits limits, DateTime now, TimeSpan budget, CancellationToken cancellationToken,
        long workLimit = long.MaxValue)
    {
        _workLimit = workLimit;
        _paramPaths = paramPaths;
        _params = new object?[paramPaths.Length];
        _metrics = new object?[metricSlots];
        Limits = limits;
        Now = DateTime.SpecifyKind(now, DateTimeKind.Utc);
        _budget = budget;
        _cancellationToken = cancellationToken;
    }

    /// <summary>
    /// A context with no run, no clock and no cancellation, for constant folding and for comparing dict keys. Folding
    /// runs before any time budget exists, so <paramref name="workLimit"/> bounds it instead: a constant expression
    /// that needs more units of work (elements visited, characters built) fails with <see cref="QueryLimitException"/>.
    /// </summary>
    public static EvalContext Detached(QueryLimits limits, long workLimit = long.MaxValue) =>
        new([], 0, limits, DateTime.UnixEpoch, Timeout.InfiniteTimeSpan, CancellationToken.None, workLimit);

    /// <summary>The limits the compiled query enforces.</summary>
    public QueryLimits Limits { get; }

    /// <summary>The time <c>datetime.now()</c> returns and an active run's duration runs to (UTC, fixed per enumeration).</summary>
    public DateTime Now { get; }

    /// <summary>The run being evaluated.</summary>
    public IQueryRun Run => _run ?? throw new InvalidOperationException("No run is being evaluated (a run-dependent node was folded as a constant).");

    /// <summary>The sequence being evaluated, or null in the run-level prefilter.</summary>
    public IQuerySequence? Sequence { get; set; }

    /// <summary>Starts evaluating <paramref name="run"/>: forgets every cached value of the previous run.</summary>
    public void Reset(IQueryRun run)
    {
        _run = run;
        Sequence = null;
        _tags = null;
        Array.Fill(_params, Unloaded);
        Array.Fill(_metrics, Unloaded);
    }

    /// <summary>The param at the path of <paramref name="slot"/>, read from the run on first use.</summary>
    public object? Param(int slot)
    {
        object? value = _params[slot];
        if (ReferenceEquals(value, Unloaded))
        {
            value = PyOps.ReadParam(Run, _paramPaths[slot]);
            _params[slot] = value;
        }

        return value;
    }

    /// <summary>The cached <c>run.metrics[...]</c> view of <paramref name="slot"/>, or false with nothing cached yet.</summary>
    public bool TryGetMetric(int slot, out object? sequence)
    {
        sequence = _metrics[slot];
        return !ReferenceEquals(sequence, Unloaded);
    }

    /// <summary>Caches the <c>run.metrics[...]</c> view of <paramref name="slot"/> for the rest of this run.</summary>
    public void SetMetric(int slot, object? sequence) => _metrics[slot] = sequence;

    /// <summary><c>run.tags</c> as a Python list, built once per run.</summary>
    public List<object?> Tags
    {
        get
        {
            if (_tags is null)
            {
                IReadOnlyList<string> tags = Run.Tags;
                _tags = new List<object?>(tags.Count);
                foreach (string tag in tags)
                {
                    _tags.Add(tag);
                }
            }

            return _tags;
        }
    }

    /// <summary>Sets the <see cref="Stopwatch"/> timestamp past which evaluation throws <see cref="QueryTimeoutException"/>.</summary>
    public void SetDeadline(long timestamp) => _deadline = timestamp;

    /// <summary>Counts <paramref name="units"/> of work (elements visited, characters built); looks at the clock now and then.</summary>
    public void Tick(int units)
    {
        _work += units;
        if (_work >= CheckInterval)
        {
            _totalWork += _work;
            _work = 0;
            if (_totalWork > _workLimit)
            {
                throw new QueryLimitException($"a constant expression needs more than {_workLimit} steps to evaluate");
            }

            CheckBudget();
        }
    }

    /// <summary>Throws when the enumeration is cancelled or its time budget is spent.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="QueryTimeoutException">The budget is spent.</exception>
    public void CheckBudget()
    {
        _cancellationToken.ThrowIfCancellationRequested();
        if (_deadline != long.MaxValue && Stopwatch.GetTimestamp() > _deadline)
        {
            throw new QueryTimeoutException(_budget);
        }
    }
}
