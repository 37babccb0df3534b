using System.Diagnostics;
using System.Text;
using AimLsm.Query;
using AimLsm.Query.Runtime;

namespace AimLsm.Tests.Query;

/// <summary>
/// The pieces that make the budgets hold inside one operation: the memory budget per evaluation, constant folding under
/// the time budget, the regex rules (pattern length, engine choice, input limit), and the linear-time string
/// algorithms, checked against the obvious slow ones.
/// </summary>
public sealed class QueryBudgetTests
{
    [Fact]
    public void A_memory_budget_below_twice_the_reserve_is_refused()
    {
        var options = new QueryOptions { MemoryBudget = 1 << 20 };
        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => AimQuery.CompileRunQuery("True", options));
        Assert.Equal(nameof(QueryOptions.MemoryBudget), e.ParamName);
    }

    [Fact]
    public void The_memory_budget_is_per_evaluation_not_per_enumeration()
    {
        // Each run allocates about 9 MB (a list growing to 1,500 items, copied at each step); nine runs allocate about
        // 80 MB together, more than the budget, and yet none fails: the budget counts one evaluation at a time.
        var options = new QueryOptions { Now = QueryFixture.Now, MemoryBudget = 32L << 20 };
        RunQuery query = AimQuery.CompileRunQuery("len(sum([run.tags[:0] + ['x']] * 1500, [])) == 1500", options);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int matched = query.Filter(QueryFixture.Runs()).Count();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(9, matched);
        Assert.Equal(0, query.Report.ErrorCount);
        Assert.True(allocated > options.MemoryBudget, $"the enumeration allocated only {allocated} bytes");
    }

    [Fact]
    public void An_evaluation_past_the_memory_budget_fails_its_run_and_names_the_budget()
    {
        var options = new QueryOptions { Now = QueryFixture.Now, MemoryBudget = 32L << 20 };
        RunQuery query = AimQuery.CompileRunQuery("len(sum([run.tags + ['x']] * 20000, [])) > 0", options);
        Assert.Empty(query.Filter(QueryFixture.Runs()));
        Assert.Equal(9, query.Report.ErrorCount);
        QueryLimitException e = Assert.IsType<QueryLimitException>(query.Report.FirstError);
        Assert.Contains("QueryOptions.MemoryBudget", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constant_folding_runs_under_the_time_budget()
    {
        var options = new QueryOptions { TimeBudget = TimeSpan.FromMilliseconds(1) };
        var stopwatch = Stopwatch.StartNew();
        QueryTimeoutException e = Assert.Throws<QueryTimeoutException>(
            () => AimQuery.CompileRunQuery("max([[0] * 100000] * 100000) == [0] and run.hparams.lr > 0", options));
        Assert.Contains("QueryOptions.TimeBudget", e.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void A_regex_match_never_runs_longer_than_a_twentieth_of_the_time_budget()
    {
        var options = new QueryOptions { TimeBudget = TimeSpan.FromMilliseconds(300), RegexTimeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(TimeSpan.FromMilliseconds(15), Context(options).RegexTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), Context(new QueryOptions { TimeBudget = Timeout.InfiniteTimeSpan, RegexTimeout = TimeSpan.FromSeconds(10) }).RegexTimeout);
    }

    [Theory]
    [InlineData("(a+)+$", false)]
    [InlineData("(.*){32}$", false)]
    [InlineData("(.*){33}$", true)]
    [InlineData("(.*){1000}$", true)]
    [InlineData("[a-z]{1,128}", false)]
    [InlineData("[a-z]{1,129}", true)]
    [InlineData(@"(a|aa)+\1$", true)]
    [InlineData("a(?=b)", true)]
    public void A_pattern_runs_on_the_non_backtracking_engine_only_when_its_automaton_stays_small(string pattern, bool backtracks) =>
        Assert.Equal(backtracks, RegexCache.Backtracks(RegexCache.Get(pattern, RegexMode.Search, TimeSpan.FromMilliseconds(100))));

    [Theory]
    [InlineData("abc", 3, 0)]
    [InlineData("(ab){3}", 6, 0)]
    [InlineData("(.*){1000}$", 1001, 1000)]
    [InlineData("a{2,}", 2, 1)]
    [InlineData("[a-z]{1,1000}", 1000, 0)]
    [InlineData("(?:x|y)*z", 3, 1)]
    [InlineData(@"\{3\}a{3}", 6, 0)]
    [InlineData("[{]{2}", 2, 0)]
    [InlineData("a{,3}", 5, 0)]
    [InlineData("((a{100}){100}){100}", 1_000_000, 0)]
    [InlineData("(?<name>a+)+b*?", 2, 3)]
    public void The_shape_of_a_pattern_counts_unrolled_elements_and_unbounded_loops(string pattern, long size, long loops) =>
        Assert.Equal(new RegexShape(size, loops), RegexShape.Of(pattern));

    [Fact]
    public void A_pattern_longer_than_the_limit_is_refused_with_its_position()
    {
        QueryLimitException e = Assert.Throws<QueryLimitException>(
            () => AimQuery.CompileRunQuery($"re.search('{new string('a', RegexCache.MaxPatternLength + 1)}', run.name)", QueryFixture.Options));
        Assert.Equal(11, e.Column);
        Assert.Contains("regex pattern", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_backtracking_pattern_searches_at_most_the_input_limit()
    {
        Assert.True(Evaluate($"re.search(r'(a)\\1', 'x' * {RegexCache.MaxBacktrackingInput - 2} + 'aa')") is true);
        QueryLimitException e = Assert.Throws<QueryLimitException>(() => Evaluate($"re.search(r'(a)\\1', 'x' * {RegexCache.MaxBacktrackingInput - 1} + 'aa')"));
        Assert.Contains("backtracking engine", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Linear_search_finds_and_counts_what_the_naive_search_does()
    {
        var random = new Random(15);
        EvalContext ctx = EvalContext.Detached(CompileLimits.Of(new QueryOptions()).Evaluation);
        for (int i = 0; i < 2000; i++)
        {
            // A small alphabet makes partial matches, the case KMP's table exists for; long needles take the KMP path.
            string haystack = RandomText(random, random.Next(0, 400), "ab");
            string needle = random.Next(3) == 0 ? haystack.Substring(random.Next(haystack.Length + 1) / 2, Math.Min(haystack.Length / 2, 100)) : RandomText(random, random.Next(1, 150), "ab");
            if (needle.Length == 0)
            {
                continue;
            }

            int from = random.Next(haystack.Length + 1);
            Assert.Equal(haystack.IndexOf(needle, from, StringComparison.Ordinal), StringSearch.IndexOf(ctx, haystack, needle, from));
            Assert.Equal(NaiveCount(haystack, needle), StringSearch.Count(ctx, haystack, needle));
        }
    }

    [Fact]
    public void Search_of_a_crafted_needle_is_linear()
    {
        // .NET's IndexOf compares about 300,000 characters at each of 200,000 candidates here (6.6 s in Release); linear is milliseconds.
        string haystack = string.Concat(Enumerable.Repeat("ab", 500_000));
        string needle = string.Concat(Enumerable.Repeat("ab", 150_000)) + "bb" + string.Concat(Enumerable.Repeat("ab", 150_000));
        EvalContext ctx = EvalContext.Detached(CompileLimits.Of(new QueryOptions()).Evaluation);
        var stopwatch = Stopwatch.StartNew();
        Assert.Equal(-1, StringSearch.IndexOf(ctx, haystack, needle, 0));
        Assert.Equal(0, StringSearch.Count(ctx, haystack, needle));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    [Theory]
    [InlineData("'  ab  '.strip()", "ab")]
    [InlineData("'\\x1c\\x1dab\\u3000\\x85'.strip()", "ab")]
    [InlineData("'xyabyx'.strip('xy')", "ab")]
    [InlineData("'xyabyx'.lstrip('xy')", "abyx")]
    [InlineData("'xyabyx'.rstrip('xy')", "xyab")]
    [InlineData("'xyxy'.strip('yx')", "")]
    [InlineData("'ab'.strip('')", "ab")]
    [InlineData("'\\U0001F600a\\U0001F600'.strip('\\U0001F600')", "a")]
    [InlineData("'\\U0001F600a\\U0001F601'.strip('\\U0001F600')", "a\U0001F601")]
    [InlineData("'\\U0001F601a\\U0001F600'.rstrip('\\U0001F600x')", "\U0001F601a")]
    public void Strip_removes_code_points_of_the_set_from_the_ends(string query, string expected) => Assert.Equal(expected, Evaluate(query));

    [Fact]
    public void Strip_with_a_huge_set_is_linear()
    {
        var stopwatch = Stopwatch.StartNew();
        Assert.Equal(string.Empty, Evaluate("('a' * 1048576).strip('b' * 1048575 + 'a')"));
        Assert.Equal("c", Evaluate("('a' * 500000 + 'c' + 'a' * 500000).strip('b' * 1048575 + 'a')"));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    private static object? Evaluate(string query) => QueryTestHost.Evaluate(query);

    private static EvalContext Context(QueryOptions options) =>
        new([], 0, CompileLimits.Of(options).Evaluation, QueryFixture.Now, options.TimeBudget, CancellationToken.None, memoryBudget: options.MemoryBudget);

    private static string RandomText(Random random, int length, string alphabet)
    {
        var text = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            text.Append(alphabet[random.Next(alphabet.Length)]);
        }

        return text.ToString();
    }

    private static long NaiveCount(string haystack, string needle)
    {
        long count = 0;
        for (int i = haystack.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = haystack.IndexOf(needle, i + needle.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
