namespace AimLsm.Query;

/// <summary>
/// What went wrong while a query was evaluated, reported once per query instead of once per run: the number of runs
/// (and, for sequence queries, sequences) whose evaluation failed and therefore did not match, and the first error.
/// A query such as <c>run.name.startswith('x')</c> over runs without a name fails on each of them; the caller shows
/// <see cref="ToString"/> once. Thread-safe; counts accumulate over every enumeration of the same
/// <see cref="RunQuery"/> or <see cref="SequenceQuery"/> object.
/// </summary>
public sealed class QueryReport
{
    private readonly Lock _lock = new();
    private long _errorCount;

    /// <summary>How many evaluations failed (each counted as not matching).</summary>
    public long ErrorCount => Interlocked.Read(ref _errorCount);

    /// <summary>True when at least one evaluation failed.</summary>
    public bool HasErrors => ErrorCount > 0;

    /// <summary>The first error, or null.</summary>
    public AimQueryException? FirstError { get; private set; }

    /// <summary>The hash of the run whose evaluation failed first, or null.</summary>
    public string? FirstErrorRunHash { get; private set; }

    /// <summary>The name of the sequence whose evaluation failed first, or null (run-level errors).</summary>
    public string? FirstErrorSequenceName { get; private set; }

    /// <summary>A one-line summary: <c>the query failed on 12 evaluations (counted as not matching); first, on run abc: TypeError: ...</c>, or <c>no errors</c>.</summary>
    public override string ToString()
    {
        lock (_lock)
        {
            if (FirstError is null)
            {
                return "no errors";
            }

            string where = FirstErrorSequenceName is null ? $"run {FirstErrorRunHash}" : $"run {FirstErrorRunHash}, sequence '{FirstErrorSequenceName}'";
            return $"the query failed on {ErrorCount} evaluation{(ErrorCount == 1 ? string.Empty : "s")} (counted as not matching); first, on {where}: {FirstError.Message}";
        }
    }

    /// <summary>Records a failed evaluation.</summary>
    internal void Record(AimQueryException error, string runHash, string? sequenceName)
    {
        Interlocked.Increment(ref _errorCount);
        if (FirstError is not null)
        {
            return;
        }

        lock (_lock)
        {
            if (FirstError is null)
            {
                FirstErrorRunHash = runHash;
                FirstErrorSequenceName = sequenceName;
                FirstError = error;
            }
        }
    }
}
