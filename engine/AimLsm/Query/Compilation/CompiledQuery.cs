using AimLsm.Query.Binding;
using AimLsm.Query.Runtime;

namespace AimLsm.Query.Compilation;

/// <summary>
/// A compiled query: the prefilter delegate (the whole query for a run query), the sequence-level remainder, and what
/// evaluation needs to build a context. Immutable and thread-safe; the cache shares one instance between callers,
/// each evaluating with its own <see cref="EvalContext"/>.
/// </summary>
/// <param name="Text">The query text.</param>
/// <param name="Bound">The bound tree (kept for tests and diagnostics).</param>
/// <param name="SequenceKind">The kind of sequence a sequence query selects; null for a run query.</param>
/// <param name="Prefilter">The run-level predicate: the whole query for a run query, the run-only prefilter for a sequence query.</param>
/// <param name="Remainder">The per-sequence predicate, or null when every sequence of the kind of a matching run matches.</param>
/// <param name="Limits">The limits the delegates enforce.</param>
internal sealed record CompiledQuery(string Text, BoundQuery Bound, SequenceKind? SequenceKind, Func<EvalContext, bool> Prefilter,
    Func<EvalContext, bool>? Remainder, QueryLimits Limits)
{
    /// <summary>True unless the query reads <c>run.archived</c>: Aim's implicit <c>run.archived == False</c>.</summary>
    public bool ExcludeArchived => !Bound.MentionsArchived;

    /// <summary>A fresh evaluation context for this query, with the enumeration's <paramref name="budget"/>.</summary>
    public EvalContext CreateContext(DateTime now, QueryBudget budget, CancellationToken cancellationToken) =>
        new(Bound.ParamPaths, Bound.MetricSlots, Limits, now, budget.Time, cancellationToken, memoryBudget: budget.Memory);
}
