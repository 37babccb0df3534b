using System.Diagnostics;
using AimLsm.Query.Runtime;

namespace AimLsm.Query.Compilation;

/// <summary>
/// One enumeration of a query: its context, its time accounting and its error reporting. The budget counts only time
/// between <see cref="Resume"/> and <see cref="Pause"/>, which the iterators call around each result they hand out,
/// so a slow consumer does not use up the query's budget. An evaluation error (any <see cref="AimQueryException"/>
/// but a timeout) makes the run or sequence not match and is recorded in the report; a timeout, a cancellation and
/// any exception from the run itself propagate. Not thread-safe.
/// </summary>
internal sealed class QueryExecution
{
    private readonly CompiledQuery _query;
    private readonly QueryReport _report;
    private readonly EvalContext _ctx;
    private readonly long _budget;
    private long _spent;
    private long _resumedAt;

    /// <summary>Creates the execution; the clock starts at the first <see cref="Resume"/>.</summary>
    public QueryExecution(CompiledQuery query, QueryOptions options, QueryReport report, CancellationToken cancellationToken)
    {
        _query = query;
        _report = report;
        TimeSpan budget = options.TimeBudget;
        _budget = budget == Timeout.InfiniteTimeSpan ? long.MaxValue : (long)Math.Min(budget.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 2);
        _ctx = query.CreateContext(options.Now ?? DateTime.UtcNow, QueryBudget.Of(options), cancellationToken);
    }

    /// <summary>Starts (or restarts) counting time.</summary>
    public void Resume()
    {
        _resumedAt = Stopwatch.GetTimestamp();
        if (_budget != long.MaxValue)
        {
            _ctx.SetDeadline(_resumedAt + (_budget - _spent));
        }
    }

    /// <summary>Stops counting time (while the consumer has a result).</summary>
    public void Pause() => _spent += Stopwatch.GetTimestamp() - _resumedAt;

    /// <summary>Checks the budget and the token between runs.</summary>
    public void CheckBudget() => _ctx.CheckBudget();

    /// <summary>Whether <paramref name="run"/> passes the implicit archived filter and the prefilter (the whole query for a run query).</summary>
    public bool RunMatches(IQueryRun run)
    {
        _ctx.Reset(run);
        _ctx.CheckBudget();
        if (!_query.ExcludeArchived)
        {
            return Evaluate(_query.Prefilter);
        }

        // The implied archived filter goes last: the query's own reads come first, in the order a run's keys are
        // stored (parameters before properties), so most runs cost no read of their properties at all. The result
        // is the same as checking archived first, errors included: an archived run's error is never reported.
        bool matched = TryEvaluate(_query.Prefilter, out AimQueryException? error);
        if (!matched && error is null)
        {
            return false;
        }

        if (run.Archived)
        {
            return false;
        }

        if (error is not null)
        {
            _report.Record(error, run.Hash, null);
        }

        return matched;
    }

    /// <summary>Whether <paramref name="sequence"/> of the run last passed to <see cref="RunMatches"/> is of the query's kind and matches the remainder.</summary>
    public bool SequenceMatches(IQuerySequence sequence)
    {
        if (SequenceKinds.FromDtype(sequence.Dtype) != _query.SequenceKind)
        {
            return false;
        }

        if (_query.Remainder is null)
        {
            return true;
        }

        _ctx.Sequence = sequence;
        _ctx.CheckBudget();
        return Evaluate(_query.Remainder);
    }

    /// <summary>
    /// The sequences of <paramref name="run"/> that match, lazily; none (and the run's sequences are not even listed)
    /// when the run fails the prefilter. The caller may <see cref="Pause"/> while it holds each result.
    /// </summary>
    public IEnumerable<IQuerySequence> MatchingSequences(IQueryRun run)
    {
        CheckBudget();
        if (!RunMatches(run))
        {
            yield break;
        }

        foreach (IQuerySequence sequence in run.Sequences)
        {
            if (SequenceMatches(sequence))
            {
                yield return sequence;
            }
        }
    }

    private bool Evaluate(Func<EvalContext, bool> predicate)
    {
        bool matched = TryEvaluate(predicate, out AimQueryException? error);
        if (error is not null)
        {
            _report.Record(error, _ctx.Run.Hash, _ctx.Sequence?.Name);
        }

        return matched;
    }

    /// <summary>Evaluates; an evaluation error (not a timeout) is returned, not thrown, and counts as no match.</summary>
    private bool TryEvaluate(Func<EvalContext, bool> predicate, out AimQueryException? error)
    {
        error = null;
        try
        {
            return predicate(_ctx);
        }
        catch (AimQueryException e) when (e is not QueryTimeoutException)
        {
            error = e;
            return false;
        }
    }
}
