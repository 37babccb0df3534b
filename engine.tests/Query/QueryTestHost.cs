using AimLsm.Query;
using AimLsm.Query.Binding;
using AimLsm.Query.Compilation;
using AimLsm.Query.Runtime;

namespace AimLsm.Tests.Query;

/// <summary>Evaluates a query's value (not just its truthiness) through the real pipeline, for semantics and property tests.</summary>
internal static class QueryTestHost
{
    /// <summary>Binds and compiles <paramref name="text"/> to a value delegate and a predicate, without the cache.</summary>
    public static (Func<EvalContext, object?> Value, Func<EvalContext, bool> Predicate, BoundQuery Bound) Compile(string text, QueryOptions? options = null)
    {
        CompileLimits limits = CompileLimits.Of(options ?? new QueryOptions());
        BoundQuery bound = QueryCompilation.Bind(text, sequenceQuery: false, fixedKind: null, limits);
        return (QueryCompiler.CompileValue(bound.Root), QueryCompiler.CompilePredicate(bound.Root), bound);
    }

    /// <summary>A context for <paramref name="bound"/> positioned on <paramref name="run"/>.</summary>
    public static EvalContext Context(BoundQuery bound, IQueryRun run, QueryOptions? options = null)
    {
        options ??= new QueryOptions();
        var ctx = new EvalContext(bound.ParamPaths, bound.MetricSlots, CompileLimits.Of(options).Evaluation, QueryFixture.Now, Timeout.InfiniteTimeSpan, CancellationToken.None);
        ctx.Reset(run);
        return ctx;
    }

    /// <summary>The value of <paramref name="text"/> evaluated on <paramref name="run"/> (a run with no params when null).</summary>
    public static object? Evaluate(string text, IQueryRun? run = null)
    {
        (Func<EvalContext, object?> value, _, BoundQuery bound) = Compile(text);
        return value(Context(bound, run ?? new FakeRun("empty")));
    }
}
