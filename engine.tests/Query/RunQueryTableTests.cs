using AimLsm.Query;

namespace AimLsm.Tests.Query;

/// <summary>
/// Valid run queries over <see cref="QueryFixture"/> with the runs each must select, worked out by hand from the
/// fixture's table. Archived r5 is left out unless the query mentions run.archived.
/// </summary>
public sealed class RunQueryTableTests
{
    private const string AllButArchived = "r0 r1 r2 r3 r4 r6 r7 r8 r9";

    public static TheoryData<string, string> Cases => new()
    {
        // The issue's examples.
        { "run.hparams.lr > 0.0001 and run.hparams.batch_size == 32", "r0 r9" },
        { "run.hparams.lr in [0.0001, 0.005]", "r2 r4 r8" },
        { "1e-5 < run.hparams.learning_rate < 1e-2", "r0 r2 r3 r4 r7 r8" },
        { "run.metrics['accuracy', {'subset': 'train'}].last < 25", "r1 r3 r8" },
        { "run.experiment == \"baseline\" and \"tuned\" in run.tags and not run.archived", "r0 r8" },
        { "run.created_at > datetime(2026, 1, 1)", "r1 r2 r3 r4 r6 r7 r9" },
        { "run.duration < 600", "r0 r3 r6 r8 r9" },
        { "run.name.startswith(\"resnet\") and run['hparams', 'optimizer'] == 'adam'", "r0" },

        // A missing param below the top level is Undefined: it compares False with an ordering operator, is not None.
        { "run.hparams.missing > 1", "" },
        { "run.hparams.missing <= 1", "" },
        { "run.hparams.missing is None", "" },
        { "run.hparams.missing != None", AllButArchived },
        { "run.missing == None", AllButArchived },
        { "not run.hparams", "r6" },
        { "run.hparams.nested.a.b == 1", "r9" },
        { "(run.hparams['nested']['a']['b'] or 0) + 1 == 2", "r9" },

        // Archived runs.
        { "run.archived", "r5" },
        { "run.archived == False", AllButArchived },
        { "", AllButArchived },
        { "run.hparams.optimizer == 'adam' and run.hparams.lr == 0.001", "r0" },
        { "run.hparams.optimizer == 'adam' and run.hparams.lr == 0.001 and (run.archived or not run.archived)", "r0 r5" },

        // Params by attribute and subscript, shadowing, top-level params.
        { "run['hparams']['batch_size'] >= 64", "r1 r7" },
        { "run.hparams.batch_size == 32.0 and run.hparams.lr == 1", "r9" },
        { "run['name'] == 'param-name-shadowed' and run.name == 'resnet50-a'", "r0" },
        { "run.learning_rate is None and run.batch_size == 64", "r1" },
        { "run.hparams.benchmark == \"glue\" and run.hparams.dataset == \"cola\"", "r3" },
        { "run.hparams.layers[0] == 64", "r0" },
        { "run.hparams.betas[1] > 0.99", "r7" },

        // Tags, names, descriptions, strings.
        { "len(run.tags) >= 2", "r0 r4 r8" },
        { "run.tags == []", "r3 r6 r9" },
        { "'gpu' not in run.tags", "r2 r3 r4 r6 r7 r9" },
        { "run.hash in ('r0', 'r3')", "r0 r3" },
        { "run.name is None", "r6" },
        { "run.experiment != 'baseline'", "r2 r3 r4 r6 r7" },
        { "run.description and 'baseline' in run.description.lower()", "r0 r1" },
        { "run.hparams.optimizer.lower() == 'adam'", "r0 r3 r4 r7 r8" },
        { "run.hparams.optimizer.endswith(('w', 'd'))", "r1 r2 r9" },
        { "run.hparams.optimizer.find('a') == 0", "r0 r2 r3 r4 r7" },
        { "run.name[:4] == 'bert'", "r3 r4" },
        { "re.match(r'resnet\\d+', run.name or '') is not None", "r0 r1 r8" },
        { "re.search('bert', run.name or '')", "r3 r4" },
        { "'a' * 3 == 'aaa' and run.hash == 'r3'", "r3" },

        // Times.
        { "run.created_at.year == 2025", "r0" },
        { "run.created_at.month == 1 and run.created_at.year == 2026", "r1 r2 r7 r8 r9" },
        { "run.created_at.strftime('%d/%m/%Y') == '14/02/2026'", "r4" },
        { "run.active", "r2" },
        { "run.end_time is None", "r2" },
        { "run.finalized_at is not None and run.finalized_at < datetime(2026, 1, 1)", "r0" },
        { "datetime.now() - run.created_at < timedelta(days=10)", "r6" },
        { "run.duration > 3600 * 2 - 1", "r2 r7" },

        // Arithmetic, builtins, chains, conditionals.
        { "(run.hparams.batch_size or 0) // 16 == 2", "r0 r2 r8 r9" },
        { "run.hparams.lr * 1000 % 2 == 0", "r1 r9" },
        { "abs(run.hparams.lr - 0.001) < 1e-9", "r0" },
        { "round(run.hparams.learning_rate * 1000) == 5", "r4" },
        { "max(run.hparams.layers or [0]) > 100", "r0" },
        { "sum(run.hparams.layers or []) == 96", "r1" },
        { "any([run.hparams.use_amp, run.hparams.missing])", "r0" },
        { "all([run.hparams.lr, run.hparams.batch_size])", "r0 r1 r2 r3 r4 r7 r8 r9" },
        { "run.hparams.optimizer in ('adam', 'adamw') if run.hparams.batch_size == 32 else False", "r0 r2" },
        { "run.hparams.lr >= 1e-3 or run.experiment == 'nlp'", "r0 r1 r3 r4 r9" },
        { "0.0001 <= run.hparams.lr <= 0.001 != run.hparams.learning_rate", "r2 r7 r8" },
        { "-run.hparams.batch_size < -100", "r7" },
        { "2 ** len(run.tags) == 4", "r0 r4 r8" },

        // run.metrics.
        { "run.metrics['loss', {'subset': 'train'}].min < 0.16", "r0 r2" },
        { "run.metrics['bleu', {'subset': 'val'}].last > 0.35", "r4" },
        { "run.metrics['accuracy', {'subset': 'val'}] is None", "r6 r7" },
        { "run.metrics['loss', {'subset': 'train'}].last_step == 50", "r2" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Query_selects_the_expected_runs(string query, string expected)
    {
        RunQuery compiled = AimQuery.CompileRunQuery(query, QueryFixture.Options);
        string actual = string.Join(" ", compiled.Filter(QueryFixture.Runs()).Select(r => r.Hash));
        Assert.True(expected == actual, $"query: {query}\nexpected: [{expected}]\nactual:   [{actual}]\nreport: {compiled.Report}");
    }

    /// <summary>
    /// Rows, not a row count: forty distinct query texts, each expecting runs of the fixture, each named once and in
    /// the fixture's order (the order a query yields them), so neither a repeated row nor a typo in an expectation
    /// pads the table; and taken together the rows discriminate: every run of the fixture is selected by some query
    /// and rejected by another. The fixture's hashes come from <see cref="QueryFixture.Runs"/>, not from this file.
    /// </summary>
    [Fact]
    public void The_table_has_at_least_forty_queries()
    {
        List<string> fixture = [.. QueryFixture.Runs().Select(r => r.Hash)];
        var queries = new HashSet<string>(StringComparer.Ordinal);
        var selected = new HashSet<string>(StringComparer.Ordinal);
        var rejected = new HashSet<string>(StringComparer.Ordinal);
        foreach (object[] row in Cases)
        {
            string query = (string)row[0];
            string[] expected = ((string)row[1]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(queries.Add(query), $"the table lists '{query}' twice");
            Assert.True(fixture.Where(expected.Contains).SequenceEqual(expected),
                $"'{query}' expects [{string.Join(" ", expected)}]: not fixture runs, each once, in the fixture's order [{string.Join(" ", fixture)}]");
            selected.UnionWith(expected);
            rejected.UnionWith(fixture.Except(expected));
        }

        Assert.True(queries.Count >= 40, $"{queries.Count} distinct queries");
        Assert.Equal(fixture, fixture.Where(selected.Contains));
        Assert.Equal(fixture, fixture.Where(rejected.Contains));
    }
}
