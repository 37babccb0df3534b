using System.Diagnostics;
using AimLsm.Query;

namespace AimLsm.Tests.Query;

/// <summary>
/// Malicious and pathological queries. Each is rejected with a clear error, or runs within its budgets; none has any
/// effect outside the query (the runs' params are unchanged afterwards, and no file appears). Every case runs under a
/// 500 ms time budget and a 32 MiB memory budget, and compiling it, enumerating it, and one evaluation of it must each
/// stay within the time budget plus max(10%, 100 ms) and allocate no more than the memory budget: the budgets hold
/// inside one operation, not only between operations. The class runs alone (<see cref="AdversarialQueryCollection"/>),
/// so the rest of the suite does not share its cores or its garbage collections while it measures.
/// </summary>
[Collection(nameof(AdversarialQueryTests))]
public sealed class AdversarialQueryTests
{
    /// <summary>What a hostile query must do.</summary>
    public enum Outcome
    {
        /// <summary>Refused by the parser.</summary>
        Syntax,

        /// <summary>Refused by the binder (the allow-list).</summary>
        Name,

        /// <summary>Refused while compiling for exceeding a limit.</summary>
        Limit,

        /// <summary>Compiles and runs to the end, within the budget; per-run errors are allowed.</summary>
        Runs,

        /// <summary>Compiles and runs; every evaluation fails with a limit error (counted in the report).</summary>
        RunsWithLimitErrors,

        /// <summary>Compiles and stops with <see cref="QueryTimeoutException"/> once the budget is spent.</summary>
        TimesOut,
    }

    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(500);

    /// <summary>How far past <see cref="Budget"/> a query may run: max(10%, 100 ms).</summary>
    private static readonly TimeSpan Overshoot = TimeSpan.FromMilliseconds(Math.Max(Budget.TotalMilliseconds / 10, 100));

    private const long MemoryBudget = 32L << 20;

    /// <summary>
    /// Runs once before the first measured case, so the budgets measure the queries' work and not the JIT compiling the
    /// query compiler, the regex engines and the runtime for the first time.
    /// </summary>
    private static readonly Lazy<bool> WarmUp = new(() =>
    {
        RunQuery query = AimQuery.CompileRunQuery(
            "re.search('a+', run.name or '') and re.search(r'(a)\\1', run.name or '') and (run.name or '').strip('x') != '' and " +
            "(run.name or '').find('res') >= 0 and max(run.tags or ['']) >= '' and sum([1.5] * 10) > 0 and -run.hparams.lr < 0",
            new QueryOptions { Now = QueryFixture.Now });
        _ = query.Filter(QueryFixture.Runs()).ToList();
        return true;
    });

    public static TheoryData<string, Outcome> Cases => new()
    {
        // Reflection and Python's escape hatches.
        { "run.GetType()", Outcome.Name },
        { "run.GetType().Assembly", Outcome.Name },
        { "run.__class__", Outcome.Name },
        { "().__class__.__bases__", Outcome.Name },
        { "().__class__.__bases__[0].__subclasses__()", Outcome.Name },
        { "[].__class__.__mro__", Outcome.Name },
        { "__import__('os')", Outcome.Name },
        { "__import__('os').system('touch /tmp/aimql-pwned')", Outcome.Name },
        { "__builtins__", Outcome.Name },
        { "open('/etc/passwd')", Outcome.Name },
        { "open('/etc/passwd').read()", Outcome.Name },
        { "exec('import os')", Outcome.Name },
        { "eval('1+1')", Outcome.Name },
        { "compile('1', 'x', 'eval')", Outcome.Name },
        { "getattr(run, 'hash')", Outcome.Name },
        { "globals()", Outcome.Name },
        { "vars(run)", Outcome.Name },
        { "type(run)", Outcome.Name },
        { "print('x')", Outcome.Name },
        { "breakpoint()", Outcome.Name },
        { "float('inf') > run.hparams.lr", Outcome.Name },
        { "System.IO.File.Delete('/tmp/x')", Outcome.Name },
        { "run._Run__secret", Outcome.Name },
        { "run.hparams.__dict__", Outcome.Name },
        { "run.name.__len__()", Outcome.Name },
        { "run.__getattribute__('hash')", Outcome.Name },
        { "run.tags.__getitem__(0)", Outcome.Name },
        { "run.metrics['loss'].__class__", Outcome.Name },
        { "run.metrics.__class__", Outcome.Name },
        { "len.__self__", Outcome.Name },
        { "datetime.__class__", Outcome.Name },
        { "datetime.now.__globals__", Outcome.Name },
        { "re.compile('x')", Outcome.Name },
        { "re.__dict__", Outcome.Name },
        { "run.tags.append('x')", Outcome.Name },
        { "run.tags.clear()", Outcome.Name },
        { "run.hparams.update({'lr': 1})", Outcome.Name },
        { "''.join(['a'])", Outcome.Name },
        { "'{0.__class__}'.format(run)", Outcome.Name },
        { "run.name.encode()", Outcome.Name },
        { "run()", Outcome.Name },
        { "run.hparams()", Outcome.Name },
        { "run.System.IO.File.Delete('x')", Outcome.Name },
        { "run.hparams.lr.real", Outcome.Runs },
        { "run['__class__'] is None and run['__dict__'] is None", Outcome.Runs },

        // Statements and constructs left out of the language.
        { "import os", Outcome.Syntax },
        { "from os import system", Outcome.Syntax },
        { "lambda: 1", Outcome.Syntax },
        { "(lambda: 0)()", Outcome.Syntax },
        { "[x for x in run.tags]", Outcome.Syntax },
        { "any(t == 'gpu' for t in run.tags)", Outcome.Syntax },
        { "(x := 1)", Outcome.Syntax },
        { "f\"{run.__class__}\"", Outcome.Syntax },
        { "b'abc' == run.name", Outcome.Syntax },
        { "run.hparams.lr; import os", Outcome.Syntax },
        { "del run", Outcome.Syntax },
        { "yield run", Outcome.Syntax },
        { "len(*run.tags)", Outcome.Syntax },
        { "run.name == 'a'\0", Outcome.Syntax },
        { "'\\N{BULLET}' == run.name", Outcome.Syntax },

        // Size and depth.
        { new string('(', 500) + "1" + new string(')', 500), Outcome.Limit },
        { new string('[', 100) + new string(']', 100), Outcome.Limit },
        { string.Concat(Enumerable.Repeat("not ", 200)) + "run.archived", Outcome.Limit },
        { new string('-', 300) + "1", Outcome.Limit },
        { string.Join(" + ", Enumerable.Repeat("1", 500)), Outcome.Limit },
        { "run" + string.Concat(Enumerable.Repeat(".a", 1000)), Outcome.Limit },
        { "2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2", Outcome.Limit },
        { "[" + string.Join(",", Enumerable.Repeat("1", 3000)) + "] == run.tags", Outcome.Limit },
        { "run.name == '" + new string('a', 10_000) + "'", Outcome.Limit },
        { "run.hparams.lr > 0" + new string(' ', 9000), Outcome.Limit },
        { "99999999999999999999 > run.hparams.lr", Outcome.Limit },

        // Huge arithmetic and repetition.
        { "10**10**10", Outcome.Limit },
        { "2**64 > run.hparams.lr", Outcome.Limit },
        { "'a' * 10**9", Outcome.Limit },
        { "'a' * 10**6 * 10**6", Outcome.Limit },
        { "'a' * 1000000 + 'a' * 1000000", Outcome.Limit },
        { "[0] * 10**9", Outcome.Limit },
        { "(0,) * 10**18 * 10", Outcome.Limit },
        { "sum([[0] * 50000] * 50000, [])", Outcome.Limit },
        { "[[0] * 100000] * 100000 == [[0] * 100000] * 100000", Outcome.Limit },
        { "run.archived and 'a' * 10**9", Outcome.Runs },
        { "(run.name or 'x') * 10**7 == 'x'", Outcome.RunsWithLimitErrors },
        { "len((run.tags + ['x']) * 10**9) > 0", Outcome.RunsWithLimitErrors },
        { "2 ** run.hparams.batch_size ** 3 > 0 or run.hparams.batch_size is None", Outcome.Runs },
        { "run.hparams.lr ** 10**6 >= 0", Outcome.Runs },
        { "[1, 2, 3][10**18] == 1", Outcome.Runs },
        { "datetime(9999, 12, 31) + timedelta(days=10) > run.created_at", Outcome.Runs },
        { "timedelta(days=10**18) > timedelta(0)", Outcome.Runs },
        { "max([1] * 100000) + sum([1] * 100000) > 0", Outcome.Runs },

        // Catastrophic regex backtracking.
        { "re.match('(a+)+$', 'a' * 30 + 'b')", Outcome.Runs },
        { "re.match('(a+)+$', run.hparams.optimizer * 0 + 'a' * 5000 + 'b')", Outcome.Runs },
        { "re.match(r'(a|aa)+\\1$', 'a' * 40 + 'b')", Outcome.Limit },
        { "re.match(r'(a|aa)+\\1$', (run.name or '') * 0 + 'a' * 40 + 'b')", Outcome.RunsWithLimitErrors },

        // Work that only the time budget stops.
        { "[[0] * 100000] * 100000 == [[0] * 100000] * (100000 if run.hash else 0)", Outcome.TimesOut },
    };

    /// <summary>
    /// One operation that would run past the budgets if they were checked only between operations (issue 15 point 3):
    /// the query, what it must do, and what the error must name (null when it need not fail).
    /// </summary>
    public static TheoryData<string, Outcome, string?> BudgetCases => new()
    {
        // The three: strip was O(n*m) in folding and in evaluation; (.*){1000} built a 693 MB automaton.
        { "('a' * 1048576).strip('b' * 1048575 + 'a') == ''", Outcome.Runs, null },
        { "(run.name * 80000).strip('z' * 499999 + run.name) == ''", Outcome.Runs, null },
        { "re.search('(.*){1000}$', (run.name or '')[:0] + 'x' * 100000)", Outcome.RunsWithLimitErrors, "backtracking engine" },
        { "re.search('(.*){1000}$', 'x' * 5000)", Outcome.Runs, null },
        { "re.search('(.*){1000}y', 'x' * 5000)", Outcome.Limit, "QueryOptions.RegexTimeout" },

        // str methods with huge arguments.
        { "(run.name or '').lstrip('x' * 1048576) != ''", Outcome.Runs, null },
        { "('\U0001F600' * 500000).strip('\U0001F600x') == ''", Outcome.Runs, null },
        { "((run.name or '') + '\U0001F600' * 50000).rstrip('\U0001F600' + (run.name or '')) == ''", Outcome.Runs, null },
        { "(' ' * 1048576).strip() == ''", Outcome.Runs, null },
        { "('ab' * 500000).find('ab' * 150000 + 'bb' + 'ab' * 150000) == -1", Outcome.Runs, null },
        { "('ab' * 500000).count('ab' * 150000 + 'bb' + 'ab' * 150000) == 0", Outcome.Runs, null },
        { "('ab' * 150000 + 'bb' + 'ab' * 150000) in ('ab' * 500000)", Outcome.Runs, null },
        { "not (('a' * 50000 + 'b') in ((run.name or '')[:0] + 'a' * 100000))", Outcome.Runs, null },
        { "('ab' * 100000 + (run.name or '')).find('ab' * 30000 + 'bb' + 'ab' * 30000) >= 0", Outcome.Runs, null },
        { "('a' * 1048576).find('a' * 1048575 + 'b') == -1", Outcome.Runs, null },
        { "('a' * 100000).count('a') == 100000", Outcome.Runs, null },
        { "((run.name or '')[:0] + 'a' * 1048576).count('a' * 64) > 0", Outcome.Runs, null },
        { "(run.name or '').startswith(('x' * 10000,) * 20000)", Outcome.Runs, null },
        { "(run.name or '').endswith(('y' * 1000,) * 20000)", Outcome.Runs, null },
        { "max('a' * 100000) == 'a'", Outcome.Runs, null },
        { "min((run.name or '') + '\u4e00' * 20000) != ''", Outcome.Runs, null },
        { "re.search('a' * 1001, run.name or '')", Outcome.Limit, "regex pattern is 1001 characters long" },
        { "re.search((run.name or 'x') * 2000, 'y')", Outcome.RunsWithLimitErrors, "regex pattern is" },
        { "re.search(r'(a|aa)+\\1$', 'a' * 20000)", Outcome.Limit, "backtracking engine" },
        { "re.match(r'(\\w+\\s?)*$', (run.name or '') + 'a' * 100000 + '!')", Outcome.Runs, null },
        { "re.search('(x+x+)+y', (run.name or '') + 'x' * 100000)", Outcome.Runs, null },
        { "re.fullmatch('(' + 'a?' * 200 + ')' + 'a' * 200, 'a' * 200)", Outcome.Runs, null },
        { "re.search('(?=x)(x+x+)+y', 'x' * 5000)", Outcome.Limit, "QueryOptions.RegexTimeout" },

        // Memory: many large values alive in one evaluation, each within MaxStringLength.
        { "sum([run.tags + ['x'] * 1000] * 100000, []) == []", Outcome.RunsWithLimitErrors, "QueryOptions.MemoryBudget" },
        { "len([" + string.Join(",", Enumerable.Repeat("'a'*40000", 300)) + "]) > 0", Outcome.Limit, "QueryOptions.MemoryBudget" },

        // replace and join blow-ups: not in the allow-list; their allowed equivalents are bounded.
        { "''.join(['a' * 1000000] * 100000)", Outcome.Name, null },
        { "(run.name or '').replace('', 'x' * 1000000)", Outcome.Name, null },
        { "'x'.join(run.tags * 100000)", Outcome.Name, null },
        { "sum([[1] * 1000] * 1000, []) == []", Outcome.Limit, null },

        // format-style widths: no str.format, %-formatting or f-strings; strftime output is bounded.
        { "'{:>1000000000}'.format(run.name)", Outcome.Name, null },
        { "f'{run.name:>1000000000}'", Outcome.Syntax, null },
        { "datetime(2026, 1, 1).strftime('%Y' * 1000000) != ''", Outcome.Limit, "QueryOptions.MaxStringLength" },
        { "datetime(2026, 1, 1).strftime('%A' * 50000) != ''", Outcome.Runs, null },
        { "run.created_at.strftime('%c' * 400000) != ''", Outcome.RunsWithLimitErrors, "QueryOptions.MaxStringLength" },

        // Nested min/max/sum over big lists.
        { "max([[0] * 100000] * 100000) == [0]", Outcome.Limit, "steps to evaluate" },
        { "max([[0] * 100000] * (100000 if run.hash else 0)) == [0]", Outcome.TimesOut, "QueryOptions.TimeBudget" },
        { "min(min([[1] * 100000] * 1000), [2]) == [1]", Outcome.Limit, "steps to evaluate" },
        { "sum([1e308] * 10000 + [run.hparams.lr or 0]) > 0", Outcome.Runs, null },
        { "max([[[0] * 100000] * 100000] * 100000) == []", Outcome.Limit, "steps to evaluate" },
        { "any([0] * 10000 + [run.hparams.lr]) or all([1] * 10000)", Outcome.Runs, null },
        { "min([run.hparams.lr] * 10000) == max([run.hparams.lr] * 10000)", Outcome.Runs, null },

        // Datetime extremes.
        { "datetime(9999, 12, 31, 23, 59, 59, 999999) + timedelta(microseconds=1) > run.created_at", Outcome.Runs, null },
        { "datetime(1, 1, 1) - timedelta(days=1) < run.created_at", Outcome.Runs, null },
        { "timedelta(weeks=10**15) > timedelta(0)", Outcome.Runs, null },
        { "timedelta(days=1e308) > timedelta(0)", Outcome.Runs, null },
        { "datetime.fromtimestamp(1e300) > run.created_at", Outcome.Runs, null },
        { "datetime.fromtimestamp(-1e20) < run.created_at", Outcome.Runs, null },
        { "(datetime(9999, 12, 31) - datetime(1, 1, 1)) * 10**18 > timedelta(0)", Outcome.Runs, null },
        { "datetime(10000, 1, 1) > run.created_at", Outcome.Runs, null },
        { "round(2.675, 330) + round(1e-300, 330) + round(1e308, -10**18) > 0", Outcome.Runs, null },

        // Deep unary chains, within and past MaxDepth.
        { new string('-', 60) + "1 == 1", Outcome.Runs, null },
        { new string('-', 56) + "(run.hparams.lr or 0) >= 0", Outcome.Runs, null },
        { string.Concat(Enumerable.Repeat("not ", 20)) + new string('-', 30) + "run.hparams.lr", Outcome.Runs, null },
        { string.Concat(Enumerable.Repeat("+-", 100)) + "1", Outcome.Limit, "QueryOptions.MaxDepth" },
        { "~run.hparams.batch_size", Outcome.Syntax, null },
        { string.Concat(Enumerable.Repeat("-(", 40)) + "1" + new string(')', 40), Outcome.Limit, "QueryOptions.MaxDepth" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Hostile_query_is_refused_or_contained(string query, Outcome outcome) => RetriedIfSlow(() => AssertContained(query, outcome, named: null));

    [Theory]
    [MemberData(nameof(BudgetCases))]
    public void Hostile_operation_stays_within_the_budgets(string query, Outcome outcome, string? named) => RetriedIfSlow(() => AssertContained(query, outcome, named));

    /// <summary>
    /// The budgets are wall-clock time, so a case can miss them on a loaded machine (seen with other test processes
    /// on the same two cores: 560-640 ms for cases that take 30-120 ms alone). A case that failed on time runs again,
    /// at most three times in all; a case slow every time, or failing for any other reason, fails.
    /// </summary>
    private static void RetriedIfSlow(Action assertion)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                assertion();
                return;
            }
            catch (Exception e) when (attempt < 3 && OnTime(e))
            {
                Console.WriteLine($"attempt {attempt} missed the time budget, run again: {e.Message}");
            }
        }

        static bool OnTime(Exception e) =>
            e is QueryTimeoutException
            || e.Message.Contains("time budget", StringComparison.Ordinal)
            || e.Message.Contains(" ms; the budget is ", StringComparison.Ordinal);
    }

    /// <summary>Fifty distinct hostile queries, not fifty rows, covering every outcome a hostile query can have.</summary>
    [Fact]
    public void The_suite_has_at_least_fifty_cases()
    {
        List<(string Query, Outcome Outcome)> cases = [.. Cases.Select(row => ((string)row[0], (Outcome)row[1]))];
        AssertDistinct(cases.Select(c => c.Query));
        Assert.True(cases.Count >= 50, $"{cases.Count} cases");
        Assert.Equal(Enum.GetValues<Outcome>(), Enum.GetValues<Outcome>().Where(o => cases.Any(c => c.Outcome == o)));
    }

    /// <summary>Thirty-three distinct queries, none repeating a case of <see cref="Cases"/>; every one that must hit
    /// a named budget or limit is expected to fail.</summary>
    [Fact]
    public void The_budget_suite_has_at_least_thirty_three_cases()
    {
        List<(string Query, Outcome Outcome, string? Named)> cases = [.. BudgetCases.Select(row => ((string)row[0], (Outcome)row[1], (string?)row[2]))];
        AssertDistinct(cases.Select(c => c.Query));
        Assert.True(cases.Count >= 33, $"{cases.Count} cases");
        Assert.Empty(cases.Select(c => c.Query).Intersect(Cases.Select(row => (string)row[0]), StringComparer.Ordinal));
        Assert.All(cases.Where(c => c.Named is not null), c => Assert.NotEqual(Outcome.Runs, c.Outcome));
    }

    private static void AssertDistinct(IEnumerable<string> queries)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Assert.All(queries, q => Assert.True(seen.Add(q), $"listed twice: {q}"));
    }

    [Fact]
    public void Cancellation_stops_an_enumeration()
    {
        using var cts = new CancellationTokenSource();
        RunQuery query = AimQuery.CompileRunQuery("True", QueryFixture.Options);
        IEnumerator<FakeRun> results = query.Filter(QueryFixture.Runs(), cts.Token).GetEnumerator();
        Assert.True(results.MoveNext());
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => results.MoveNext());
    }

    [Fact]
    public void Cancellation_interrupts_a_long_evaluation()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var options = new QueryOptions { TimeBudget = Timeout.InfiniteTimeSpan };
        RunQuery query = AimQuery.CompileRunQuery("[[0] * 100000] * 100000 == [[0] * 100000] * (100000 if run.hash else 0)", options);
        var stopwatch = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => query.Filter(QueryFixture.Runs(), cts.Token).ToList());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Time_the_consumer_spends_between_results_does_not_count()
    {
        var options = new QueryOptions { Now = QueryFixture.Now, TimeBudget = TimeSpan.FromMilliseconds(300) };
        RunQuery query = AimQuery.CompileRunQuery("run.hparams.lr > 0", options);
        List<FakeRun> runs = QueryFixture.Runs();
        var seen = new List<string>();
        foreach (FakeRun run in query.Filter(runs))
        {
            Thread.Sleep(50);
            seen.Add(run.Hash);
        }

        // The runs the query selects, worked out from the fixture's params: none was lost to the budget.
        Assert.Equal(runs.Where(r => !r.IsArchived && Lr(r) > 0).Select(r => r.Hash), seen);
        Assert.Equal(0, query.Report.ErrorCount);

        static double Lr(FakeRun run) =>
            run.Params.TryGetValue("hparams", out object? hparams) && hparams is Dictionary<string, object?> hp && hp.TryGetValue("lr", out object? lr)
                ? Convert.ToDouble(lr, System.Globalization.CultureInfo.InvariantCulture)
                : double.NaN;
    }

    /// <summary>
    /// Compiles and enumerates <paramref name="query"/> over the fixture and checks <paramref name="outcome"/>; then
    /// checks that compiling, the enumeration and one evaluation each kept to the budgets, and, when
    /// <paramref name="named"/> is given, that the error names it (the budget or limit that was hit).
    /// </summary>
    private static void AssertContained(string query, Outcome outcome, string? named)
    {
        Assert.True(WarmUp.Value);
        string sentinelDirectory = Path.Combine(Path.GetTempPath(), "aimql-adversarial-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(sentinelDirectory);
        try
        {
            var options = new QueryOptions { Now = QueryFixture.Now, TimeBudget = Budget, MemoryBudget = MemoryBudget };
            List<FakeRun> runs = QueryFixture.Runs();
            (RunQuery? compiled, AimQueryException? compileError) = Measure("compiling", () => Compile(query, options));
            AimQueryException? error = compileError;
            switch (outcome)
            {
                case Outcome.Syntax:
                    AssertClear(Assert.IsType<QuerySyntaxException>(compileError));
                    break;
                case Outcome.Name:
                    AssertClear(Assert.IsType<QueryNameException>(compileError));
                    break;
                case Outcome.Limit when compileError is QueryTimeoutException:
                    // A slow machine reaches the time budget before the work limit: refused within the budget either
                    // way, which is what this test is about (Measure checked the time).
                    error = null;
                    named = null;
                    break;
                case Outcome.Limit:
                    AssertClear(Assert.IsType<QueryLimitException>(compileError));
                    break;
                case Outcome.Runs:
                case Outcome.RunsWithLimitErrors:
                    Assert.True(compileError is null, $"compiling failed: {compileError?.Message}");
                    _ = Measure("enumerating", () => compiled!.Filter(runs).ToList(), perEvaluation: false);
                    error = compiled!.Report.FirstError;
                    if (outcome == Outcome.RunsWithLimitErrors)
                    {
                        // Every run the query evaluates (the archived one is skipped) fails with a limit error.
                        Assert.Equal(runs.Count(r => !r.IsArchived), compiled.Report.ErrorCount);
                        Assert.IsType<QueryLimitException>(compiled.Report.FirstError);
                    }

                    break;
                case Outcome.TimesOut:
                    Assert.True(compileError is null, $"compiling failed: {compileError?.Message}");
                    error = Measure("enumerating", () => Assert.Throws<QueryTimeoutException>(() => compiled!.Filter(runs).ToList()), perEvaluation: false);
                    break;
            }

            if (compiled is not null)
            {
                // One evaluation, measured alone: the memory budget is per evaluation.
                _ = Measure("one evaluation", () => EvaluateOnce(compiled, runs[0]));
            }

            if (named is not null)
            {
                Assert.True(error is not null, $"expected an error naming {named}");
                Assert.Contains(named, error.Message, StringComparison.Ordinal);
            }

            AssertUnchanged(runs);
            Assert.Empty(Directory.EnumerateFileSystemEntries(sentinelDirectory));
            Assert.False(File.Exists("/tmp/aimql-pwned"));
        }
        finally
        {
            Directory.Delete(sentinelDirectory, recursive: true);
        }
    }

    private static (RunQuery? Query, AimQueryException? Error) Compile(string query, QueryOptions options)
    {
        try
        {
            return (AimQuery.CompileRunQuery(query, options), null);
        }
        catch (AimQueryException e)
        {
            return (null, e);
        }
    }

    private static bool EvaluateOnce(RunQuery query, FakeRun run)
    {
        try
        {
            return query.Matches(run);
        }
        catch (QueryTimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Runs <paramref name="phase"/> and asserts it kept within the time budget plus <see cref="Overshoot"/> and, when it
    /// is one evaluation (<paramref name="perEvaluation"/>; compiling counts as one), allocated at most <see cref="MemoryBudget"/>.
    /// </summary>
    private static T Measure<T>(string what, Func<T> phase, bool perEvaluation = true)
    {
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        T result = phase();
        TimeSpan elapsed = stopwatch.Elapsed;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.True(elapsed <= Budget + Overshoot, $"{what} took {elapsed.TotalMilliseconds:0} ms; the budget is {Budget.TotalMilliseconds:0} ms + {Overshoot.TotalMilliseconds:0} ms");
        Assert.True(!perEvaluation || allocated <= MemoryBudget, $"{what} allocated {allocated} bytes; the budget is {MemoryBudget}");
        return result;
    }

    private static void AssertClear(AimQueryException e)
    {
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        Assert.True(e.Line >= 1, "a compile error has a position");
        Assert.Contains("^", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The query left the runs as a fresh fixture has them.</summary>
    private static void AssertUnchanged(List<FakeRun> runs)
    {
        List<FakeRun> fresh = QueryFixture.Runs();
        for (int i = 0; i < runs.Count; i++)
        {
            Assert.Equal(Flatten(fresh[i].Params), Flatten(runs[i].Params));
            Assert.Equal(fresh[i].Tags, runs[i].Tags);
        }
    }

    private static string Flatten(object? value) => value switch
    {
        null => "None",
        Dictionary<string, object?> d => "{" + string.Join(",", d.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + ":" + Flatten(p.Value))) + "}",
        List<object?> l => "[" + string.Join(",", l.Select(Flatten)) + "]",
        _ => value.GetType().Name + ":" + Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Runs the adversarial tests alone, not beside other test classes, so that their time budgets measure the queries.</summary>
[CollectionDefinition(nameof(AdversarialQueryTests), DisableParallelization = true)]
public sealed class AdversarialQueryCollection;
