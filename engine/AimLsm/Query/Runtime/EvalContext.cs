using System.Diagnostics;
using AimLsm.Encoding;

namespace AimLsm.Query.Runtime;

/// <summary>
/// What compiled query code sees while it evaluates: the current run and sequence, a per-run cache of the params and
/// <c>run.metrics[...]</c> views the query names (so each is read from the run at most once, and only when needed),
/// the limits, the clock, and the time and memory budgets. One context serves one enumeration and is reset for each
/// run, so the hot path allocates nothing for it. Not thread-safe.
/// <para>
/// Budgets hold inside one operation: every loop of the runtime (builtins, operators on lists and strings) counts its
/// work with <see cref="Tick(int)"/>, which looks at the clock, the cancellation token and the allocation counter every
/// <see cref="CheckInterval"/> units, and at once for an operation of that size or more (a string or list operation
/// ticks before it allocates). The memory budget counts the bytes the evaluating thread allocated since the evaluation
/// started (<see cref="Reset"/>, a new <see cref="Sequence"/>, or the creation of the context), and trips
/// <see cref="QueryLimits.MemoryReserve"/> early, so the operation under way cannot carry it past the budget.
/// </para>
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
    private readonly long _memoryBudget;
    private readonly long _memoryLimit;
    private IQuerySequence? _sequence;
    private long _deadline = long.MaxValue;
    private long _work;
    private long _totalWork;
    private long _allocatedAtStart;

    /// <summary>
    /// Creates a context for a query that names <paramref name="paramPaths"/> and <paramref name="metricSlots"/>
    /// constant <c>run.metrics[...]</c> views; <paramref name="budget"/> is the enumeration's time budget (for the
    /// message and the regex timeout: the deadline is <see cref="SetDeadline"/>'s), <paramref name="memoryBudget"/> the
    /// bytes each evaluation may allocate.
    /// </summary>
    public EvalContext(PathSegment[][] paramPaths, int metricSlots, QueryLimits limits, DateTime now, TimeSpan budget, CancellationToken cancellationToken,
        long workLimit = long.MaxValue, long memoryBudget = long.MaxValue)
    {
        _workLimit = workLimit;
        _paramPaths = paramPaths;
        _params = new object?[paramPaths.Length];
        _metrics = new object?[metricSlots];
        Limits = limits;
        Now = DateTime.SpecifyKind(now, DateTimeKind.Utc);
        _budget = budget;
        _cancellationToken = cancellationToken;
        _memoryBudget = memoryBudget;
        _memoryLimit = memoryBudget == long.MaxValue ? long.MaxValue : Math.Max(memoryBudget - limits.MemoryReserve, 0);
        RegexTimeout = budget == Timeout.InfiniteTimeSpan || limits.RegexTimeout <= budget / 20
            ? limits.RegexTimeout
            : TimeSpan.FromTicks(Math.Max(budget.Ticks / 20, TimeSpan.TicksPerMillisecond));
        StartCountingMemory();
    }

    /// <summary>
    /// A context with no run, no clock, no cancellation and no time or memory budget, for comparing dict keys and for
    /// tests; <paramref name="workLimit"/> bounds the units of work it may do (then <see cref="QueryLimitException"/>).
    /// </summary>
    public static EvalContext Detached(QueryLimits limits, long workLimit = long.MaxValue) =>
        new([], 0, limits, DateTime.UnixEpoch, Timeout.InfiniteTimeSpan, CancellationToken.None, workLimit);

    /// <summary>
    /// A context for constant folding while a query compiles: no run, no clock and no cancellation, and bounded three
    /// ways from the moment it is created, by <paramref name="workLimit"/> (a constant expression that needs more units
    /// of work fails with <see cref="QueryLimitException"/>), by <paramref name="budget"/>'s time (then
    /// <see cref="QueryTimeoutException"/>) and by its memory: the whole folding of one query counts as one evaluation.
    /// </summary>
    public static EvalContext Folding(QueryLimits limits, QueryBudget budget, long workLimit)
    {
        var ctx = new EvalContext([], 0, limits, DateTime.UnixEpoch, budget.Time, CancellationToken.None, workLimit, budget.Memory);
        if (budget.Time != Timeout.InfiniteTimeSpan)
        {
            ctx.SetDeadline(Stopwatch.GetTimestamp() + (long)Math.Min(budget.Time.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 2));
        }

        return ctx;
    }

    /// <summary>The limits the compiled query enforces.</summary>
    public QueryLimits Limits { get; }

    /// <summary>
    /// The longest one regex match may run: <see cref="QueryLimits.RegexTimeout"/>, but at most a twentieth of a finite
    /// time budget (at least 1 ms), because .NET checks a match's timeout only inside the match: one match started just
    /// before the budget runs out must not carry the evaluation far past it.
    /// </summary>
    public TimeSpan RegexTimeout { get; }

    /// <summary>The time <c>datetime.now()</c> returns and an active run's duration runs to (UTC, fixed per enumeration).</summary>
    public DateTime Now { get; }

    /// <summary>The run being evaluated.</summary>
    public IQueryRun Run => _run ?? throw new InvalidOperationException("No run is being evaluated (a run-dependent node was folded as a constant).");

    /// <summary>The sequence being evaluated, or null in the run-level prefilter. Setting one starts a new evaluation for the memory budget.</summary>
    public IQuerySequence? Sequence
    {
        get => _sequence;
        set
        {
            _sequence = value;
            StartCountingMemory();
        }
    }

    /// <summary>Starts evaluating <paramref name="run"/>: forgets every cached value of the previous run, and starts counting its allocations.</summary>
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

    /// <summary>
    /// Counts <paramref name="units"/> of work (elements visited, about 64 characters scanned or built) that the caller
    /// is about to do; every <see cref="CheckInterval"/> units, and at once for a bigger operation, checks the work
    /// limit, the time budget, the cancellation token and the memory budget.
    /// </summary>
    /// <exception cref="QueryLimitException">The work limit or the memory budget is spent.</exception>
    /// <exception cref="QueryTimeoutException">The time budget is spent.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
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
            CheckMemory();
        }
    }

    /// <summary>Counts work of <paramref name="units"/> as <see cref="Tick(int)"/> does, for operations whose size is a long.</summary>
    public void Tick(long units) => Tick((int)Math.Min(units, int.MaxValue));

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

    /// <summary>Throws when this evaluation's allocations have come within the reserve of the memory budget.</summary>
    /// <exception cref="QueryLimitException">The memory budget is spent.</exception>
    public void CheckMemory()
    {
        if (_memoryLimit == long.MaxValue)
        {
            return;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - _allocatedAtStart;
        if (allocated > _memoryLimit)
        {
            throw new QueryLimitException(
                $"one evaluation allocated {allocated} bytes, past its memory budget of {_memoryBudget} bytes less " +
                $"{Limits.MemoryReserve} kept for the operation under way (QueryOptions.MemoryBudget)");
        }
    }

    /// <summary>Starts a new evaluation for the memory budget: allocations are counted from now, on this thread.</summary>
    private void StartCountingMemory()
    {
        if (_memoryLimit != long.MaxValue)
        {
            _allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        }
    }
}
