using AimLsm.Query;

namespace AimLsm.Tests.Query;

/// <summary>Valid sequence queries over <see cref="QueryFixture"/> with the (run, sequence) pairs each must select.</summary>
public sealed class SequenceQueryTableTests
{
    public static TheoryData<string, string> Cases => new()
    {
        // The examples.
        { "metric.name == \"loss\" and metric.context.subset == \"train\" and metric.last < 0.2", "r0/loss{subset=train} r2/loss{subset=train} r3/loss{subset=train} r8/loss{subset=train}" },
        {
            "((metric.name == 'bleu' and metric.context.subset == 'val') or (metric.name == 'loss' and metric.context.subset == 'train')) and 1e-5 < run.hparams.learning_rate < 1e-2",
            "r0/loss{subset=train} r2/loss{subset=train} r3/loss{subset=train} r3/bleu{subset=val} r4/loss{subset=train} r4/bleu{subset=val} r7/loss{subset=train} r8/loss{subset=train}"
        },
        { "images.name == 'generated' and images.context.ema == 0", "r7/generated{ema=0}" },

        // Aim's documented examples.
        { "metric.name == \"loss\" and run.hparams.lr >= 0.001", "r0/loss{subset=train} r0/loss{subset=val} r1/loss{subset=train} r1/loss{subset=val} r4/loss{subset=train} r4/loss{subset=val} r9/loss{subset=train} r9/loss{subset=val}" },
        { "run.hparams.benchmark == \"glue\" and run.hparams.dataset == \"cola\" and metric.context.subset != \"train\"", "r3/loss{subset=val} r3/accuracy{subset=val} r3/bleu{subset=val}" },

        // No sequence variable: every metric of the matching runs.
        { "run.hparams.optimizer == 'sgd'", "r1/loss{subset=train} r1/loss{subset=val} r1/accuracy{subset=train} r1/accuracy{subset=val} r9/loss{subset=train} r9/loss{subset=val} r9/accuracy{subset=train} r9/accuracy{subset=val} r9/epoch{}" },

        // Sequence fields and kinds.
        { "metric.dtype == 'int'", "r9/epoch{}" },
        { "images.name == 'real' or images.context.ema == 1", "r7/generated{ema=1} r7/real{}" },
        { "texts.name == 'predictions'", "r0/predictions{}" },
        { "distributions.name == 'weights'", "r1/weights{}" },
        { "figures.last_step >= 0", "r2/confusion{}" },
        { "audios.count > 0", "r3/speech{}" },
        { "metric.last_step < 99 and metric.name == 'loss'", "r2/loss{subset=train} r2/loss{subset=val}" },
        { "metric.context == {'subset': 'val'} and metric.name == 'bleu'", "r3/bleu{subset=val} r4/bleu{subset=val}" },
        { "metric.max > 1 and metric.name == 'accuracy' and run.experiment == 'nlp'", "r3/accuracy{subset=train} r3/accuracy{subset=val} r4/accuracy{subset=train} r4/accuracy{subset=val}" },
        { "'subset' not in metric.context", "r9/epoch{}" },
        { "metric.first == 0 and 'subset' not in metric.context", "r9/epoch{}" },
        { "metric.name == 'loss' and metric.first == metric.max and metric.min == metric.last and run.name == 'gan-faces'", "r7/loss{subset=train}" },
        { "run.metrics['bleu', {'subset': 'val'}].last > 0.4 and metric.name.startswith('acc') and metric.context.subset == 'train'", "r4/accuracy{subset=train}" },
        { "metric.name == 'loss' and metric.last > 0.5 or run.archived and metric.name == 'accuracy'", "r5/accuracy{subset=train} r5/accuracy{subset=val} r6/loss{subset=train} r9/loss{subset=train} r9/loss{subset=val}" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Query_selects_the_expected_sequences(string query, string expected)
    {
        SequenceQuery compiled = AimQuery.CompileSequenceQuery(query, QueryFixture.Options);
        IEnumerable<string> pairs = compiled.Filter(QueryFixture.Runs()).Select(p => QueryFixture.Describe(p.Run, p.Sequence));
        string actual = string.Join(" ", pairs.Order(StringComparer.Ordinal));
        string sortedExpected = string.Join(" ", expected.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.True(sortedExpected == actual, $"query: {query}\nexpected: [{sortedExpected}]\nactual:   [{actual}]\nreport: {compiled.Report}");
        Assert.False(compiled.Report.HasErrors, compiled.Report.ToString());
    }

    [Fact]
    public void Results_come_in_run_order_then_in_the_runs_sequence_order()
    {
        SequenceQuery query = AimQuery.CompileSequenceQuery("metric.name == 'bleu' or metric.context.subset == 'val' and run.experiment == 'nlp'", QueryFixture.Options);
        string actual = string.Join(" ", query.Filter(QueryFixture.Runs()).Select(p => QueryFixture.Describe(p.Run, p.Sequence)));
        Assert.Equal("r3/loss{subset=val} r3/accuracy{subset=val} r3/bleu{subset=val} r4/loss{subset=val} r4/accuracy{subset=val} r4/bleu{subset=val}", actual);
    }

    [Theory]
    [InlineData("metric.name == 'loss'", SequenceKind.Metric)]
    [InlineData("run.hparams.lr > 0", SequenceKind.Metric)]
    [InlineData("images.name == 'x'", SequenceKind.Images)]
    [InlineData("audios.name == 'x'", SequenceKind.Audios)]
    [InlineData("texts.name == 'x'", SequenceKind.Texts)]
    [InlineData("distributions.name == 'x'", SequenceKind.Distributions)]
    [InlineData("figures.name == 'x'", SequenceKind.Figures)]
    public void The_kind_is_the_variable_the_query_uses_or_metric(string query, SequenceKind kind) =>
        Assert.Equal(kind, AimQuery.CompileSequenceQuery(query).Kind);

    [Fact]
    public void A_fixed_kind_selects_that_kind_and_refuses_other_variables()
    {
        SequenceQuery images = AimQuery.CompileSequenceQuery("run.hparams.lr > 0", SequenceKind.Images, QueryFixture.Options);
        Assert.Equal(SequenceKind.Images, images.Kind);
        Assert.Equal(["r7/generated{ema=0}", "r7/generated{ema=1}", "r7/real{}"], images.Filter(QueryFixture.Runs()).Select(p => QueryFixture.Describe(p.Run, p.Sequence)));

        var e = Assert.Throws<QueryNameException>(() => AimQuery.CompileSequenceQuery("metric.name == 'loss'", SequenceKind.Images));
        Assert.Contains("use 'images', not 'metric'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_query_naming_two_sequence_variables_is_refused()
    {
        var e = Assert.Throws<QueryNameException>(() => AimQuery.CompileSequenceQuery("metric.name == 'loss' and images.name == 'x'"));
        Assert.Contains("only one of", e.Message, StringComparison.Ordinal);
        Assert.Equal("images", e.Name);
        Assert.Equal(27, e.Column);
    }

    [Fact]
    public void A_run_query_refuses_sequence_variables()
    {
        var e = Assert.Throws<QueryNameException>(() => AimQuery.CompileRunQuery("metric.name == 'loss'"));
        Assert.Contains("only available in sequence queries", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("int", SequenceKind.Metric)]
    [InlineData("float", SequenceKind.Metric)]
    [InlineData("number", SequenceKind.Metric)]
    [InlineData("aim.image", SequenceKind.Images)]
    [InlineData("list(aim.image)", SequenceKind.Images)]
    [InlineData("list(aim.audio)", SequenceKind.Audios)]
    [InlineData("aim.text", SequenceKind.Texts)]
    [InlineData("aim.distribution", SequenceKind.Distributions)]
    [InlineData("list(aim.figure)", SequenceKind.Figures)]
    [InlineData("str", null)]
    [InlineData("list(int)", null)]
    [InlineData("", null)]
    public void Dtypes_map_to_kinds(string dtype, SequenceKind? kind) => Assert.Equal(kind, SequenceKinds.FromDtype(dtype));

    [Fact]
    public async Task FilterAsync_gives_the_same_pairs()
    {
        SequenceQuery query = AimQuery.CompileSequenceQuery("metric.name == 'loss' and metric.last < 0.19", QueryFixture.Options);
        var pairs = new List<string>();
        await foreach ((FakeRun run, IQuerySequence sequence) in query.FilterAsync(QueryFixture.Runs().ToAsyncEnumerable()))
        {
            pairs.Add(QueryFixture.Describe(run, sequence));
        }

        Assert.Equal(query.Filter(QueryFixture.Runs()).Select(p => QueryFixture.Describe(p.Run, p.Sequence)), pairs);
        Assert.Equal(4, pairs.Count);
    }
}
