using AimLsm.Query;
using AimLsm.Query.Binding;
using AimLsm.Query.Compilation;
using AimLsm.Query.Syntax;
using AimLsm.Encoding;
using AimLsm.Query.Runtime;

namespace AimLsm.Tests.Query;

/// <summary>The pipeline's stages one by one: parser precedence and positions, binding of params, folding, the prefilter split, options and the cache.</summary>
public sealed class QueryCompilationTests
{
    [Theory]
    [InlineData("a or b and not c == d", "(a or (b and (not (c == d))))")]
    [InlineData("-2 ** 2 * 3 + 1", "(((-(2 ** 2)) * 3) + 1)")]
    [InlineData("2 ** -1", "(2 ** (-1))")]
    [InlineData("2 ** 3 ** 2", "(2 ** (3 ** 2))")]
    [InlineData("a < b <= c != d", "(a < b <= c != d)")]
    [InlineData("a not in b is not c", "(a not in b is not c)")]
    [InlineData("x if c else y if d else z", "(x if c else (y if d else z))")]
    [InlineData("run.a['b', 1].c(2, k=3)[1:2:3]", "run.a[('b', 1)].c(2, k=3)[1:2:3]")]
    [InlineData("(1,) + () + [1, 2,] + {'a': 1,}", "((((1,) + ()) + [1, 2]) + {'a': 1})")]
    [InlineData("'a' 'b' == \"ab\"", "('ab' == 'ab')")]
    public void The_parser_follows_python_precedence(string query, string expected) =>
        Assert.Equal(expected, SyntaxPrinter.Print(Parser.Parse(query, 64, 2000, 1 << 20)));

    [Fact]
    public void Nodes_carry_their_source_spans()
    {
        var compare = (CompareNode)Parser.Parse("run.hparams.lr > 1e-5", 64, 2000, 1 << 20);
        var attribute = (AttributeNode)compare.Operands[0];
        Assert.Equal((0, 21), (compare.Start, compare.End));
        Assert.Equal((0, 14), (attribute.Start, attribute.End));
        Assert.Equal(12, attribute.NameStart);
        Assert.Equal((17, 21), (compare.Operands[1].Start, compare.Operands[1].End));
        Assert.Equal(1e-5, ((ConstantNode)compare.Operands[1]).Value);
    }

    [Fact]
    public void Params_bind_to_one_slot_per_distinct_path()
    {
        BoundQuery bound = QueryTestHost.Compile("run.hparams.lr > run['hparams', 'lr'] or run.hparams['lr'] or run.x[0] or run.hparams.layers[-1]").Bound;
        Assert.Equal(["('hparams', 'lr')", "('x', 0)", "('hparams', 'layers')"], bound.ParamPaths.Select(p => PathSegment.Format(p)));
    }

    [Fact]
    public void Constant_subtrees_are_folded_and_short_circuits_simplified()
    {
        Assert.IsType<BoundConstant>(QueryTestHost.Compile("2 ** 10 + len('abc') * 3 > datetime(2026, 1, 1).year").Bound.Root);
        BoundNode root = QueryTestHost.Compile("1 and run.hparams.lr and 2 and run.hparams.x").Bound.Root;
        Assert.Equal(2, Assert.IsType<BoundBoolOp>(root).Operands.Count);
        var chain = Assert.IsType<BoundBoolOp>(QueryTestHost.Compile("run.hparams.lr < 0 and False and 1 / 0").Bound.Root);
        Assert.Equal(2, chain.Operands.Count);
        Assert.IsType<BoundConstant>(chain.Operands[1]);

        // 1 / 0 is not folded into an error: evaluation may never reach it.
        Assert.IsType<BoundBinary>(QueryTestHost.Compile("1 / 0").Bound.Root);
    }

    [Fact]
    public void A_limit_in_a_branch_short_circuit_may_skip_fails_only_when_reached()
    {
        RunQuery query = AimQuery.CompileRunQuery("run.hparams.lr == 0.01 and 'a' * 10**9 == 'a'", QueryFixture.Options);
        Assert.Empty(query.Filter(QueryFixture.Runs()));
        Assert.Equal(1, query.Report.ErrorCount);
        Assert.IsType<QueryLimitException>(query.Report.FirstError);
    }

    [Theory]
    [InlineData("run.hparams.lr > 1 and metric.name == 'loss'", "run.hparams.lr > 1", "metric.name == 'loss'")]
    [InlineData("metric.name == 'loss'", "True", "metric.name == 'loss'")]
    [InlineData("run.hparams.lr > 1", "run.hparams.lr > 1", "True")]
    [InlineData("(run.a and metric.last) or run.b", "(run.a or run.b)", "(run.a and metric.last) or run.b")]
    [InlineData("(run.a and metric.last) or metric.first", "True", "(run.a and metric.last) or metric.first")]
    [InlineData("run.a and (run.b and metric.last and run.c)", "run.a and run.b and run.c", "metric.last")]
    [InlineData("not (run.a and metric.last)", "True", "not (run.a and metric.last)")]
    [InlineData("run.a < metric.last", "True", "run.a < metric.last")]
    public void Sequence_queries_split_into_a_run_prefilter_and_a_remainder(string query, string prefilter, string remainder)
    {
        BoundNode root = QueryCompilation.Bind(query, sequenceQuery: true, fixedKind: null, CompileLimits.Of(new QueryOptions())).Root;
        (BoundNode actualPrefilter, BoundNode actualRemainder) = PrefilterSplitter.Split(root);
        Assert.Equal(Normalize(prefilter), Normalize(BoundPrinter.Print(actualPrefilter)));
        Assert.Equal(Normalize(remainder), Normalize(BoundPrinter.Print(actualRemainder)));
    }

    [Fact]
    public void Compiled_queries_are_cached_by_text_kind_and_options()
    {
        RunQuery a = AimQuery.CompileRunQuery("run.hparams.lr > 0.123456");
        RunQuery b = AimQuery.CompileRunQuery("run.hparams.lr > 0.123456");
        Assert.NotSame(a, b);
        Assert.Same(a.Compiled, b.Compiled);
        Assert.NotSame(a.Compiled, AimQuery.CompileRunQuery("run.hparams.lr > 0.123456", new QueryOptions { MaxStringLength = 100 }).Compiled);
        Assert.Same(a.Compiled, AimQuery.CompileRunQuery("run.hparams.lr > 0.123456", new QueryOptions { TimeBudget = TimeSpan.FromSeconds(1) }).Compiled);
        Assert.NotSame(a.Compiled, AimQuery.CompileSequenceQuery("run.hparams.lr > 0.123456").Compiled);
    }

    [Fact]
    public void The_cache_is_bounded()
    {
        for (int i = 0; i < AimQuery.CacheCapacity + 50; i++)
        {
            _ = AimQuery.CompileRunQuery($"run.hparams.lr > {i}.5");
        }

        Assert.True(AimQuery.CachedCount <= AimQuery.CacheCapacity);
    }

    [Theory]
    [InlineData(nameof(QueryOptions.MaxQueryLength), 0)]
    [InlineData(nameof(QueryOptions.MaxDepth), 2)]
    [InlineData(nameof(QueryOptions.MaxDepth), 10_000)]
    [InlineData(nameof(QueryOptions.MaxNodes), 0)]
    [InlineData(nameof(QueryOptions.MaxStringLength), 0)]
    [InlineData(nameof(QueryOptions.MaxListLength), -1)]
    public void Out_of_range_options_are_refused(string option, int value)
    {
        var options = new QueryOptions();
        typeof(QueryOptions).GetProperty(option)!.SetValue(options, value);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => AimQuery.CompileRunQuery("True", options));
        Assert.Equal(option, e.ParamName);
    }

    [Fact]
    public void Out_of_range_time_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AimQuery.CompileRunQuery("True", new QueryOptions { RegexTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => AimQuery.CompileRunQuery("True", new QueryOptions { TimeBudget = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => AimQuery.CompileRunQuery("True", new QueryOptions { Now = DateTime.Now }));
        _ = AimQuery.CompileRunQuery("True", new QueryOptions { TimeBudget = Timeout.InfiniteTimeSpan });
    }

    [Fact]
    public void Smaller_limits_apply()
    {
        var options = new QueryOptions { MaxQueryLength = 10, MaxDepth = 4, MaxNodes = 5, MaxStringLength = 3, MaxListLength = 3 };
        Assert.Throws<QueryLimitException>(() => AimQuery.CompileRunQuery("run.hparams.lr", options));
        Assert.Throws<QueryLimitException>(() => AimQuery.CompileRunQuery("((((1))))", options));
        Assert.Throws<QueryLimitException>(() => AimQuery.CompileRunQuery("[1,2,3,4,5]", options));
        Assert.Throws<QueryLimitException>(() => AimQuery.CompileRunQuery("'ab' * 2", options));
        Assert.Throws<QueryLimitException>(() => AimQuery.CompileRunQuery("[1] * 4", options));
        Assert.Throws<QueryLimitException>(() => AimQuery.CompileRunQuery("'abcd'", options));
    }

    [Fact]
    public async Task Run_FilterAsync_gives_the_same_runs_as_Filter()
    {
        RunQuery query = AimQuery.CompileRunQuery("run.hparams.optimizer == 'adam'", QueryFixture.Options);
        var runs = new List<string>();
        await foreach (FakeRun run in query.FilterAsync(QueryFixture.Runs().ToAsyncEnumerable()))
        {
            runs.Add(run.Hash);
        }

        Assert.Equal(["r0", "r3", "r4", "r7"], runs);
    }

    private static string Normalize(string s) => s.Replace("(", string.Empty, StringComparison.Ordinal).Replace(")", string.Empty, StringComparison.Ordinal);

}
