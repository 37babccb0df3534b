using AimLsm.Query;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.Query;

/// <summary>
/// Aim 3.29's missing-value rules (aim/storage/proxy.py, aim/sdk/query_utils.py, aim/storage/query.py), each with a
/// query whose result differs between Aim's reading and the one AimLsm had before (every missing key is None, a
/// missing context key is None, a run without an experiment has None). Three runs:
/// <code>
/// hash    experiment  hparams                       sequences
/// stored  exp         batch_size None, lr 0.1       loss{subset=train}, cv{fold=1} (last 5)
/// absent  (None)      lr 0.2                        loss{}
/// bare    (None)      (no params at all)            -
/// </code>
/// </summary>
public sealed class MissingValueTests
{
    private static readonly DateTime Created = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static TheoryData<string, string> RunCases => new()
    {
        // A stored None is None; a missing key below the top level is Undefined, which is not None.
        { "run.hparams.batch_size == None", "stored" },
        { "run.hparams['batch_size'] == None", "stored" },
        { "run.hparams.batch_size != None", "absent bare" },
        { "run.hparams.batch_size is None", "stored" },
        { "run.hparams.nested.missing == None", "" },
        { "run['hparams', 'missing'] == None", "" },
        { "run['hparams', ''] == None", "" },

        // A missing top-level attribute is SafeNone: equal to None.
        { "run.nonexistent == None", "stored absent bare" },
        { "run[''] == None", "stored absent bare" },
        { "run.hparams == None", "bare" },

        // Undefined is falsy, equal to nothing (not even itself), and unordered.
        { "not run.hparams.batch_size", "stored absent bare" },
        { "run.hparams.missing == run.hparams.missing", "" },
        { "run.hparams.missing != run.hparams.missing", "stored absent bare" },
        { "run.hparams.missing in [None, 1]", "" },
        { "not (run.hparams.missing < 1) and not (run.hparams.missing >= 1)", "stored absent bare" },
        { "run.hparams.missing.deeper != None", "stored absent bare" },

        // 'x in Undefined' and arithmetic on Undefined raise TypeError; an exception leaves the run out, under 'not' too.
        { "not ('a' in run.hparams.missing)", "" },
        { "not (run.hparams.lr + run.hparams.missing)", "" },
        { "'a' not in run.nonexistent", "stored absent bare" },

        // A run's metric that does not exist: its fields are Undefined.
        { "run.metrics['nothing'].last != None", "stored absent bare" },
        { "run.metrics['nothing'].last == None", "" },

        // A run created without an experiment is in 'default'.
        { "run.experiment == 'default'", "absent bare" },
        { "run.experiment is None", "" },

        // Contexts match with Python's equality: {'fold': 1}, {'fold': 1.0} and {'fold': True} are one context.
        { "run.metrics['cv', {'fold': 1}].last == 5", "stored" },
        { "run.metrics['cv', {'fold': 1.0}].last == 5", "stored" },
        { "run.metrics['cv', {'fold': True}].last == 5", "stored" },
        { "run.metrics['cv', {'fold': 2}].last == 5", "" },

        // Names are NFKC-normalized, as Python's parser does: fullwidth and mathematical letters are the plain ones.
        { "run.hparams.ｌｒ == 0.1", "stored" },
        { "run.hparams.𝐥𝐫 == 0.2", "absent" },
    };

    public static TheoryData<string, string> SequenceCases => new()
    {
        // metric.context.missing raises KeyError (Aim's ContextView), so the sequence is left out.
        { "metric.context.subset == None", "" },
        { "not (metric.context.subset == 'val')", "stored/loss{subset=train}" },
        { "metric.name == 'loss' or metric.context.subset", "stored/loss{subset=train} absent/loss{}" },
        { "metric.context.subset or metric.name == 'loss'", "stored/loss{subset=train}" },
        { "metric.context == {'fold': True}", "stored/cv{fold=1}" },
    };

    [Theory]
    [MemberData(nameof(RunCases))]
    public void Run_query_follows_aims_missing_value_rules(string query, string expected)
    {
        RunQuery compiled = AimQuery.CompileRunQuery(query, QueryFixture.Options);
        string actual = string.Join(" ", compiled.Filter(Runs()).Select(r => r.Hash));
        Assert.True(expected == actual, $"query: {query}\nexpected: [{expected}]\nactual:   [{actual}]\nreport: {compiled.Report}");
    }

    [Theory]
    [MemberData(nameof(SequenceCases))]
    public void Sequence_query_follows_aims_missing_value_rules(string query, string expected)
    {
        SequenceQuery compiled = AimQuery.CompileSequenceQuery(query, QueryFixture.Options);
        string actual = string.Join(" ", compiled.Filter(Runs()).Select(p => QueryFixture.Describe(p.Run, p.Sequence)));
        Assert.True(expected == actual, $"query: {query}\nexpected: [{expected}]\nactual:   [{actual}]\nreport: {compiled.Report}");
    }

    [Fact]
    public void Missing_context_key_is_reported_as_a_key_error()
    {
        SequenceQuery compiled = AimQuery.CompileSequenceQuery("metric.context.subset == None", QueryFixture.Options);
        Assert.Empty(compiled.Filter(Runs()));
        Assert.Equal(2, compiled.Report.ErrorCount);
        Assert.Contains("KeyError: 'subset'", compiled.Report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void In_undefined_is_reported_as_a_type_error()
    {
        RunQuery compiled = AimQuery.CompileRunQuery("not ('a' in run.hparams.missing)", QueryFixture.Options);
        Assert.Empty(compiled.Filter(Runs()));
        var error = Assert.IsType<QueryEvaluationException>(compiled.Report.FirstError);
        Assert.Equal("TypeError", error.ErrorType);
    }

    [Fact]
    public void End_time_minus_creation_time_is_exactly_the_duration()
    {
        // Times with sub-second digits where TimeSpan.TotalSeconds and the difference of two Unix-second doubles
        // round apart; the bound keeps the loop short.
        var random = new Random(15);
        for (int i = 0; i < 2000; i++)
        {
            DateTime created = Created.AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay * 3650));
            var run = new FakeRun("t" + i) { CreatedAt = created, EndTime = created.AddTicks(random.NextInt64(1, TimeSpan.TicksPerDay * 30)) };
            Assert.Equal(true, QueryTestHost.Evaluate("run.end_time - run.creation_time == run.duration", run));
        }
    }

    [Fact]
    public void Repo_runs_tell_a_stored_none_from_a_missing_key()
    {
        // The same rules over the tree layer: Run.TryGetParam reports a stored None as present.
        using var dir = new TempDirectory();
        using var repo = AimLsm.Tree.Repo.Open(dir.Path);
        using (AimLsm.Tree.Run stored = repo.CreateRun(name: "stored"))
        {
            stored["hparams"] = new Dictionary<string, object?> { ["batch_size"] = null, ["lr"] = 0.1 };
            stored.Track(1.0, "cv", 0, context: new() { ["fold"] = 1 });
        }

        using (AimLsm.Tree.Run absent = repo.CreateRun(experiment: "exp", name: "absent"))
        {
            absent["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.2 };
        }

        string Names(string query) => string.Join(" ", repo.QueryRuns(query).Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.Equal("stored", Names("run.hparams.batch_size == None"));
        Assert.Equal("absent", Names("run.hparams.batch_size != None"));
        Assert.Equal("absent stored", Names("run.nonexistent == None"));
        Assert.Equal("stored", Names("run.experiment == 'default'"));
        Assert.Equal("stored", Names("run.metrics['cv', {'fold': 1.0}].last == 1"));
    }

    private static List<FakeRun> Runs()
    {
        var stored = new FakeRun("stored")
        {
            Experiment = "exp",
            CreatedAt = Created,
            Params = new Dictionary<string, object?> { ["hparams"] = new Dictionary<string, object?> { ["batch_size"] = null, ["lr"] = 0.1 } },
        };
        stored.With(
            new FakeSequence("loss", new Dictionary<string, object?> { ["subset"] = "train" }, "float", 0.5),
            new FakeSequence("cv", new Dictionary<string, object?> { ["fold"] = 1L }, "int", 5L));
        var absent = new FakeRun("absent")
        {
            CreatedAt = Created,
            Params = new Dictionary<string, object?> { ["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.2 } },
        };
        absent.With(new FakeSequence("loss", [], "float", 0.7));
        return [stored, absent, new FakeRun("bare") { CreatedAt = Created }];
    }
}
