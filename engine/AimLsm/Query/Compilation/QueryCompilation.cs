using AimLsm.Query.Binding;
using AimLsm.Query.Runtime;
using AimLsm.Query.Syntax;

namespace AimLsm.Query.Compilation;

/// <summary>The pipeline in one place: length check, lexer and parser, binder, prefilter split, compiler.</summary>
internal static class QueryCompilation
{
    /// <summary>Compiles <paramref name="text"/> (no cache).</summary>
    /// <param name="text">The query; empty or white space matches everything (as Aim).</param>
    /// <param name="sequenceQuery">True for a sequence query.</param>
    /// <param name="fixedKind">For a sequence query: the only sequence variable allowed, or null to infer it (default <see cref="SequenceKind.Metric"/>).</param>
    /// <param name="limits">The compile limits.</param>
    /// <param name="budget">The time and memory constant folding may take; none when null.</param>
    public static CompiledQuery Compile(string text, bool sequenceQuery, SequenceKind? fixedKind, CompileLimits limits, QueryBudget? budget = null)
    {
        BoundQuery bound = Bind(text, sequenceQuery, fixedKind, limits, budget);
        if (!sequenceQuery)
        {
            return new CompiledQuery(text, bound, null, QueryCompiler.CompilePredicate(bound.Root), null, limits.Evaluation);
        }

        (BoundNode prefilter, BoundNode remainder) = PrefilterSplitter.Split(bound.Root);
        Func<EvalContext, bool>? remainderDelegate = PrefilterSplitter.IsAlwaysTrue(remainder) ? null : QueryCompiler.CompilePredicate(remainder);
        SequenceKind kind = fixedKind ?? bound.SequenceKind ?? SequenceKind.Metric;
        return new CompiledQuery(text, bound, kind, QueryCompiler.CompilePredicate(prefilter), remainderDelegate, limits.Evaluation);
    }

    /// <summary>Parses and binds <paramref name="text"/>, folding constants within <paramref name="budget"/> (none when null).</summary>
    public static BoundQuery Bind(string text, bool sequenceQuery, SequenceKind? fixedKind, CompileLimits limits, QueryBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > limits.MaxQueryLength)
        {
            throw new QueryLimitException(
                $"the query is {text.Length} characters long; the limit is {limits.MaxQueryLength} (QueryOptions.MaxQueryLength)", text, limits.MaxQueryLength);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return new BoundQuery(BoundConstant.True, [], 0, null, MentionsArchived: false);
        }

        SyntaxNode syntax = Parser.Parse(text, limits.MaxDepth, limits.MaxNodes, limits.Evaluation.MaxStringLength);
        return Binder.Bind(syntax, text, sequenceQuery, fixedKind, limits.Evaluation, budget ?? QueryBudget.None);
    }
}
