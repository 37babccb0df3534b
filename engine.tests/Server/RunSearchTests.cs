using AimLsm.Server;
using AimLsm.Streaming;

namespace AimLsm.Tests.Server;

/// <summary><c>GET /api/runs/search/run</c>: exactly the matching runs, each with its metrics' metadata, and <c>limit</c>.</summary>
public class RunSearchTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static string Url(string query, string extra = "") => "api/runs/search/run?q=" + Uri.EscapeDataString(query) + extra;

    [Fact]
    public async Task Run_search_returns_exactly_the_matching_runs()
    {
        List<StreamedRun> runs = await fixture.StreamRunsAsync(Url("run.experiment == 'baseline' and run.hparams.optimizer == 'adam'"));

        // The archived adam run of 'baseline' is left out, as in Aim, unless the query names run.archived.
        StreamedRun run = Assert.Single(runs);
        Assert.Equal(fixture.Adam, run.Hash);
        Assert.Equal("baseline", ((Dictionary<string, object?>)run.Props!["experiment"]!)["name"]);
        Assert.Equal("good", ((Dictionary<string, object?>)((List<object?>)run.Props["tags"]!)[0]!)["name"]);
        Assert.False((bool)run.Props["active"]!);

        // Metadata of the metrics only: no points, the text sequence left out, grouped under Aim's type 'metric'.
        Assert.Equal(3, run.Traces.Count);
        Assert.All(run.Traces, t => Assert.False(t.HasData));
        Assert.All(run.Traces, t => Assert.Equal("metric", t.SequenceType));
        Assert.Equal(ServerFixture.Steps, run.Traces.Single(t => t.Name == "accuracy").Count);
        Assert.Equal(ServerFixture.Loss(0, ServerFixture.Steps - 1), run.Traces.Single(t => t.Name == "loss" && (string?)t.Context["subset"] == "train").Last);

        List<StreamedRun> archived = await fixture.StreamRunsAsync(Url("run.archived"));
        Assert.Equal(fixture.Archived, Assert.Single(archived).Hash);
    }

    [Fact]
    public async Task Aims_UI_decoder_reads_traces_metric_i_values_last_from_the_run_search()
    {
        byte[] bytes = await fixture.Client.GetByteArrayAsync(Url("run.hparams.optimizer == 'sgd'"));

        List<(object Key, object? Value)> objects = Tests.Streaming.AimJsDecoder.Decode(bytes);
        var run = (Dictionary<object, object?>)objects.Single(o => (string)o.Key == fixture.Sgd).Value!;

        // Aim's run_search_result_streamer: props, params, then traces from collect_sequence_info(sequence_types='metric').
        Assert.Equal(["props", "params", "traces"], run.Keys);
        var traces = (Dictionary<object, object?>)run["traces"]!;
        Assert.Equal(["metric"], traces.Keys);
        var metric = (List<object?>)traces["metric"]!;
        Assert.Equal(3, metric.Count);
        var train = metric.Cast<Dictionary<object, object?>>()
            .Single(t => (string)t["name"]! == "loss" && (string)((Dictionary<object, object?>)t["context"]!)["subset"]! == "train");
        Assert.Equal(["context", "name", "values"], train.Keys);
        var values = (Dictionary<object, object?>)train["values"]!;
        Assert.Equal(ServerFixture.Loss(1, ServerFixture.Steps - 1), values["last"]);
        Assert.Equal((long)ServerFixture.Steps - 1, values["last_step"]);
        Assert.Equal(0L, values["first_step"]);
        Assert.Equal("float", values["dtype"]);
    }

    [Fact]
    public async Task Params_sends_only_the_named_param_subtrees_and_none_sends_an_empty_dict()
    {
        List<StreamedRun> some = await fixture.StreamRunsAsync(Url("", "&traces=none&params=hparams.lr,limits"));
        StreamedRun wide = some.Single(r => r.Hash == fixture.Wide);
        var parameters = (Dictionary<string, object?>)wide.Params!;
        Assert.Equal(["hparams", "limits"], parameters.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["lr"], ((Dictionary<string, object?>)parameters["hparams"]!).Keys);
        Assert.Equal(0.1, ((Dictionary<string, object?>)parameters["hparams"]!)["lr"]);
        Assert.Equal(3, ((Dictionary<string, object?>)parameters["limits"]!).Count); // a subtree comes whole
        Assert.NotNull(wide.Props);
        Assert.Empty(wide.Traces);

        // A run without limits has only lr; params=none leaves an empty dict; a missing path is no error.
        Assert.Equal(["hparams"], ((Dictionary<string, object?>)some.Single(r => r.Hash == fixture.Adam).Params!).Keys);
        Assert.All(await fixture.StreamRunsAsync(Url("", "&params=none")), r => Assert.Empty((Dictionary<string, object?>)r.Params!));
        Assert.All(await fixture.StreamRunsAsync(Url("", "&params=nothing.here")), r => Assert.Empty((Dictionary<string, object?>)r.Params!));

        // The default is every param, as Aim sends them.
        StreamedRun full = (await fixture.StreamRunsAsync(Url("", "&params=all"))).Single(r => r.Hash == fixture.Wide);
        Assert.Contains("by_epoch", ((Dictionary<string, object?>)full.Params!).Keys);
    }

    [Theory]
    [InlineData("hparams,hparams.lr", "overlap")]
    [InlineData("hparams..lr", "is not a param path")]
    [InlineData(",", "is not a param path")]
    public async Task Params_that_overlap_or_are_not_paths_are_a_400_naming_the_parameter(string value, string message)
    {
        System.Text.Json.JsonElement error = await fixture.GetJsonAsync(Url("", "&params=" + Uri.EscapeDataString(value)), System.Net.HttpStatusCode.BadRequest);
        Assert.Equal("params", error.GetProperty("detail").GetProperty("parameter").GetString());
        Assert.Contains(message, error.GetProperty("detail").GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Props_sends_only_the_named_fields_and_report_progress_false_sends_no_progress()
    {
        List<StreamObject> objects = await fixture.StreamObjectsAsync(
            Url("run.experiment == 'baseline' and run.hparams.optimizer == 'adam'", "&traces=none&props=name,experiment.name,tags.name,active&report_progress=false"));

        // The marker opens the stream; then the run, and no progress record after it or at the end.
        Assert.DoesNotContain(objects, o => o.Kind == StreamObjectKind.Progress);
        var run = (Dictionary<string, object?>)Assert.Single(objects, o => o.Kind == StreamObjectKind.Object).Value!;
        var props = (Dictionary<string, object?>)run["props"]!;
        Assert.Equal(["active", "experiment", "name", "tags"], props.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["name"], ((Dictionary<string, object?>)props["experiment"]!).Keys);
        Assert.Equal("baseline", ((Dictionary<string, object?>)props["experiment"]!)["name"]);
        var tag = (Dictionary<string, object?>)Assert.Single((List<object?>)props["tags"]!)!;
        Assert.Equal(["name"], tag.Keys);
        Assert.Equal("good", tag["name"]);

        // The default is every field and a progress record after each run, as Aim sends them.
        List<StreamObject> full = await fixture.StreamObjectsAsync(Url("run.experiment == 'baseline' and run.hparams.optimizer == 'adam'", "&props=all"));
        var fullProps = (Dictionary<string, object?>)((Dictionary<string, object?>)full.Single(o => o.Kind == StreamObjectKind.Object).Value!)["props"]!;
        Assert.Equal(["active", "archived", "creation_time", "description", "end_time", "experiment", "name", "tags"], fullProps.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["description", "id", "name"], ((Dictionary<string, object?>)fullProps["experiment"]!).Keys.Order(StringComparer.Ordinal));
        Assert.Contains(full, o => o.Kind == StreamObjectKind.Progress);
    }

    [Theory]
    [InlineData("props", "nickname", "('nickname') is not a field of a run's props")]
    [InlineData("props", "experiment.owner", "('experiment.owner') is not a field")]
    [InlineData("props", "tags,tags.name", "overlaps an earlier item")]
    [InlineData("props", "name,name", "overlaps an earlier item")]
    [InlineData("report_progress", "maybe", "report_progress must be true or false")]
    public async Task Props_and_report_progress_out_of_their_range_are_a_400_naming_the_parameter(string parameter, string value, string message)
    {
        System.Text.Json.JsonElement error = await fixture.GetJsonAsync(Url("", $"&{parameter}=" + Uri.EscapeDataString(value)), System.Net.HttpStatusCode.BadRequest);
        Assert.Equal(parameter, error.GetProperty("detail").GetProperty("parameter").GetString());
        string text = error.GetProperty("detail").GetProperty("error").GetString()!;
        Assert.Contains(message, text, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Projects_params_is_the_union_of_every_runs_params()
    {
        System.Text.Json.JsonElement body = await fixture.GetJsonAsync("api/projects/params", System.Net.HttpStatusCode.OK);
        System.Text.Json.JsonElement parameters = body.GetProperty("params");
        Assert.Equal(["batch", "lr", "optimizer"], parameters.GetProperty("hparams").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        // Keys of one run only are there too (the wide run's), leaves hold a run's value.
        Assert.Equal(3, parameters.GetProperty("limits").EnumerateObject().Count());
        Assert.Equal((1L << 60) + 1, parameters.GetProperty("big").GetInt64());
    }

    [Fact]
    public async Task Empty_query_lists_every_live_run_and_limit_cuts_the_stream()
    {
        List<StreamedRun> all = await fixture.StreamRunsAsync("api/runs/search/run");
        Assert.Equal(new[] { fixture.Adam, fixture.Sgd, fixture.Wide }.Order(StringComparer.Ordinal), all.Select(r => r.Hash).Order(StringComparer.Ordinal));

        List<StreamedRun> two = await fixture.StreamRunsAsync(Url("", "&limit=2"));
        Assert.Equal(all.Take(2).Select(r => r.Hash), two.Select(r => r.Hash));
    }

    [Fact]
    public async Task Runs_whose_evaluation_fails_do_not_match_and_the_summary_reports_them()
    {
        const string query = "run.hparams.lr + 'x' == 1";
        using var summaries = new SummaryWaiter(fixture.Server, query);
        Assert.Empty(await fixture.StreamRunsAsync(Url(query)));
        StreamSummary summary = await summaries.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(StreamOutcome.Completed, summary.Outcome);
        Assert.Equal(3, summary.EvaluationErrors);
        Assert.Contains("TypeError", summary.FirstEvaluationError);
    }

    [Fact]
    public async Task A_trailing_slash_is_served_as_Aim_spells_the_route()
    {
        List<StreamedRun> runs = await fixture.StreamRunsAsync("api/runs/search/run/?q=" + Uri.EscapeDataString("run.hparams.batch == 64"));
        Assert.Equal(fixture.Sgd, Assert.Single(runs).Hash);
    }
}
