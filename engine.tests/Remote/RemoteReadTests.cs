using System.Net;
using System.Net.Sockets;
using AimLsm.Encoding;
using AimLsm.Query;
using AimLsm.Remote;
using AimLsm.Server;
using AimLsm.Tree;

namespace AimLsm.Tests.Remote;

/// <summary>
/// Code typed against <see cref="IRepo"/> reads a served repo as it reads a local one (issue 18 point 2): each theory
/// runs the same assertions over the local <see cref="Repo"/> and over <see cref="RemoteReader"/> against the real
/// aim-server (<see cref="RemoteReadFixture"/>). Expectations are what was tracked, and, where a value is not known in
/// advance (times, the repo's order), what the local repo's own concrete types read.
/// </summary>
public class RemoteReadTests(RemoteReadFixture fixture) : IClassFixture<RemoteReadFixture>
{
    [Theory]
    [MemberData(nameof(RemoteReadFixture.Backends), MemberType = typeof(RemoteReadFixture))]
    public void A_run_query_yields_the_same_runs_with_the_same_props_and_params(string backend)
    {
        IRepo repo = fixture.Backend(backend);
        const string Query = "run.experiment == 'sweep' and run.hparams.lr < 0.03";
        List<IRunInfo> runs = [.. repo.QueryRuns(Query)];

        // The archived run is left out (the query does not mention run.archived); the repo's order is kept.
        string[] expected = [.. fixture.Repo.QueryRuns(Query).Select(r => r.Hash)];
        Assert.Equal(new[] { fixture.Adam, fixture.Sgd, fixture.Open }.Order(), expected.Order());
        Assert.Equal(expected, runs.Select(r => r.Hash));
        foreach (IRunInfo run in runs)
        {
            AssertSameRun(fixture.Repo.GetRun(run.Hash), run);
        }

        IRunInfo adam = runs.Single(r => r.Hash == fixture.Adam);
        Assert.Equal(0.01, adam.Tree["hparams", "lr"].Get<double>());
        Assert.Equal(32, adam.Tree["hparams", "batch"].Get<int>());
        Assert.Equal([256L, 128L], adam.Tree["hparams", "layers"].Get<long[]>());
        Assert.Equal(1.0, Assert.IsType<double>(adam.Tree["hparams", "warmup"].Value));
        Assert.Equal(new byte[] { 1, 2, 255 }, adam["raw"]);
        Assert.Equal(["good", "fast"], adam.Tags);
        Assert.Equal("the first", adam.Description);
        Assert.False(adam.Active);

        IRunInfo open = runs.Single(r => r.Hash == fixture.Open);
        Assert.True(open.Active);
        Assert.Null(open.EndTime);
        Assert.Equal("still running", open.Name);
    }

    [Theory]
    [MemberData(nameof(RemoteReadFixture.Backends), MemberType = typeof(RemoteReadFixture))]
    public void Archived_runs_are_found_only_by_a_query_that_mentions_archived(string backend)
    {
        IRepo repo = fixture.Backend(backend);
        Assert.DoesNotContain(fixture.Archived, repo.QueryRuns("").Select(r => r.Hash));
        IRunInfo archived = Assert.Single(repo.QueryRuns("run.archived"));
        Assert.Equal(fixture.Archived, archived.Hash);
        Assert.True(archived.Archived);
        Assert.Equal(0.05, archived.Tree["hparams", "lr"].Get<double>());
    }

    [Theory]
    [MemberData(nameof(RemoteReadFixture.Backends), MemberType = typeof(RemoteReadFixture))]
    public void GetRun_reads_any_run_and_a_missing_hash_is_RunNotFound(string backend)
    {
        IRepo repo = fixture.Backend(backend);
        foreach (string hash in new[] { fixture.Adam, fixture.Baseline, fixture.Archived, fixture.Open })
        {
            AssertSameRun(fixture.Repo.GetRun(hash), repo.GetRun(hash));
        }

        RunNotFoundException missing = Assert.Throws<RunNotFoundException>(() => repo.GetRun("0123456789abcdef01234567"));
        Assert.Equal("0123456789abcdef01234567", missing.Hash);
        // A hash that would break out of a query's string literal selects nothing rather than everything.
        Assert.Throws<RunNotFoundException>(() => repo.GetRun("x' or run.hash != '"));
    }

    [Theory]
    [MemberData(nameof(RemoteReadFixture.Backends), MemberType = typeof(RemoteReadFixture))]
    public void The_tree_reads_and_refuses_as_a_local_run_does(string backend)
    {
        IRunInfo run = fixture.Backend(backend).GetRun(fixture.Baseline);
        Run local = fixture.Repo.GetRun(fixture.Baseline);

        Assert.Equal(local.Tree.Keys, run.Tree.Keys);
        Assert.Equal(local.Tree["hparams"].Keys, run.Tree["hparams"].Keys);
        Assert.Equal(local.Tree["by_epoch"].Keys, run.Tree["by_epoch"].Keys);
        Assert.Equal([0, 1], run.Tree["hparams", "layers"].Keys.Select(k => k.Int));
        Assert.Equal("two", run.Tree["by_epoch", 2].Get<string>());
        Assert.Equal((1L << 60) + 1, run["big"]);
        Assert.Null(run.Tree["hparams", "schedule", "min"].Value);
        Assert.True(run.Tree["hparams", "schedule", "min"].Exists);
        Assert.False(run.Tree["hparams", "nothing"].Exists);
        Assert.Empty(run.Tree["hparams", "nothing"].Keys);
        Assert.Equal(7.5, run.Tree["hparams", "nothing"].Get(7.5));
        Assert.Equal(128L, run.Tree["hparams"][(PathSegment)"batch"].Value);

        KeyNotFoundException missing = Assert.Throws<KeyNotFoundException>(() => run.Tree["hparams", "nothing"].Value);
        Assert.Equal(Assert.Throws<KeyNotFoundException>(() => local.Tree["hparams", "nothing"].Value).Message, missing.Message);
        InvalidCastException cast = Assert.Throws<InvalidCastException>(() => run.Tree["hparams", "optimizer"].Get<double>());
        Assert.Equal(Assert.Throws<InvalidCastException>(() => local.Tree["hparams", "optimizer"].Get<double>()).Message, cast.Message);
        Assert.Throws<ArgumentException>(() => run.Tree["hparams", ""]);

        // A value read is the caller's: changing it changes nothing the next read sees.
        var hparams = (Dictionary<string, object?>)run["hparams"]!;
        hparams["lr"] = 99.0;
        ((List<object?>)hparams["layers"]!).Clear();
        Assert.Equal(0.1, run.Tree["hparams", "lr"].Get<double>());
        Assert.Equal([256L, 128L], run.Tree["hparams", "layers"].Get<long[]>());
        AssertSameValue(local["hparams"], run["hparams"]);
    }

    [Theory]
    [MemberData(nameof(RemoteReadFixture.Backends), MemberType = typeof(RemoteReadFixture))]
    public void A_runs_sequences_have_the_same_metadata(string backend)
    {
        IRepo repo = fixture.Backend(backend);
        foreach (string hash in new[] { fixture.Adam, fixture.Baseline, fixture.Open })
        {
            // Order is each back end's own (a local run's key order; the server's document groups by sequence type).
            List<SequenceInfo> expected = [.. fixture.Repo.GetRun(hash).Sequences.OrderBy(Key, StringComparer.Ordinal)];
            List<SequenceInfo> actual = [.. repo.GetRun(hash).Sequences.OrderBy(Key, StringComparer.Ordinal)];
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                AssertSameInfo(expected[i], actual[i]);
            }
        }

        SequenceInfo train = repo.GetRun(fixture.Adam).GetSequence("loss", RemoteReadFixture.Train).Info;
        Assert.Equal((RemoteReadFixture.LongSteps, 0L, RemoteReadFixture.LongSteps - 1L, "float"), (train.Count, train.FirstStep, train.LastStep, train.Dtype));
        SequenceInfo tokens = repo.GetRun(fixture.Adam).GetSequence("tokens", RemoteReadFixture.Train).Info;
        Assert.Equal(("int", 0L, 1999L * 7), (tokens.Dtype, Assert.IsType<long>(tokens.Min), Assert.IsType<long>(tokens.Max)));
        SequenceInfo notes = repo.GetRun(fixture.Baseline).GetSequence("notes").Info;
        Assert.Equal(("str", "note 299"), (notes.Dtype, notes.Last));
        Assert.Throws<KeyNotFoundException>(() => repo.GetRun(fixture.Adam).GetSequence("loss", new Context { ["subset"] = "test" }));
    }

    [Theory]
    [MemberData(nameof(RemoteReadFixture.Backends), MemberType = typeof(RemoteReadFixture))]
    public void Read_returns_every_point_of_a_step_range(string backend)
    {
        IRunInfo run = fixture.Backend(backend).GetRun(fixture.Adam);
        Run local = fixture.Repo.GetRun(fixture.Adam);
        ISequence train = run.GetSequence("loss", RemoteReadFixture.Train);
        Sequence localTrain = local.GetSequence("loss", RemoteReadFixture.Train);

        // 25,000 points: the points stream sends them in chunks of 10,000.
        SequenceData all = train.Read();
        Assert.Equal(RemoteReadFixture.LongSteps, all.Count);
        Assert.Equal(RemoteReadFixture.Loss(0, 12_345), all.Numbers![12_345]);
        Assert.Equal(12L, all.Epochs[12_345]);
        AssertSameData(localTrain.Read(), all);

        foreach ((long from, long to) in new[] { (100L, 5_100L), (-50L, 3L), (24_990L, long.MaxValue), (30_000L, 40_000L), (10L, 10L), (20L, 10L) })
        {
            AssertSameData(localTrain.Read(from, to), train.Read(from, to));
        }

        SequenceData tokens = run.GetSequence("tokens", RemoteReadFixture.Train).Read(1_000, 1_010);
        Assert.Equal([.. Enumerable.Range(1_000, 10).Select(s => (long)s * 7)], tokens.Integers!);
        Assert.All(tokens.Epochs, e => Assert.Null(e));
        AssertSameData(local.GetSequence("tokens", RemoteReadFixture.Train).Read(1_000, 1_010), tokens);
        AssertSameData(local.GetSequence("tokens", RemoteReadFixture.Train).Read(5, 5), run.GetSequence("tokens", RemoteReadFixture.Train).Read(5, 5));
        AssertSameData(local.GetSequence("tokens", RemoteReadFixture.Train).Read(5_000, 6_000), run.GetSequence("tokens", RemoteReadFixture.Train).Read(5_000, 6_000));

        Run baseline = fixture.Repo.GetRun(fixture.Baseline);
        IRunInfo remoteBaseline = fixture.Backend(backend).GetRun(fixture.Baseline);
        AssertSameData(baseline.GetSequence("loss", RemoteReadFixture.Fold).Read(), remoteBaseline.GetSequence("loss", RemoteReadFixture.Fold).Read());
        AssertSameData(baseline.GetSequence("accuracy", RemoteReadFixture.Train).Read(), remoteBaseline.GetSequence("accuracy", RemoteReadFixture.Train).Read());
    }

    [Theory]
    [MemberData(nameof(RemoteReadFixture.Backends), MemberType = typeof(RemoteReadFixture))]
    public void Sample_picks_the_same_points(string backend)
    {
        IRunInfo run = fixture.Backend(backend).GetRun(fixture.Adam);
        Sequence local = fixture.Repo.GetRun(fixture.Adam).GetSequence("loss", RemoteReadFixture.Train);
        ISequence train = run.GetSequence("loss", RemoteReadFixture.Train);

        SequenceData fifty = train.Sample(50);
        Assert.Equal(50, fifty.Count);
        Assert.Equal((0L, RemoteReadFixture.LongSteps - 1L), (fifty.Steps[0], fifty.Steps[^1]));
        AssertSameData(local.Sample(50), fifty);
        foreach ((int points, long from, long to) in new[] { (1, long.MinValue, long.MaxValue), (2, long.MinValue, long.MaxValue), (7, 1_000L, 2_000L), (500, 100L, 300L), (30_000, long.MinValue, long.MaxValue), (3, 5L, 5L) })
        {
            AssertSameData(local.Sample(points, from, to), train.Sample(points, from, to));
        }

        // Beyond the metric search's cap of 100,000 points: the whole range, which holds fewer.
        AssertSameData(local.Sample(150_000), train.Sample(150_000));
        AssertSameData(
            fixture.Repo.GetRun(fixture.Adam).GetSequence("tokens", RemoteReadFixture.Train).Sample(9),
            run.GetSequence("tokens", RemoteReadFixture.Train).Sample(9));
        Assert.Throws<ArgumentOutOfRangeException>(() => train.Sample(0));
    }

    [Theory]
    [MemberData(nameof(RemoteReadFixture.Backends), MemberType = typeof(RemoteReadFixture))]
    public void A_sequence_query_yields_the_same_sequences(string backend)
    {
        IRepo repo = fixture.Backend(backend);
        const string Query = "metric.name == 'loss' and metric.context.subset == 'train' and run.hparams.lr >= 0.01";
        List<ISequence> matches = [.. repo.QuerySequences(Query)];
        List<SequenceMatch> expected = [.. fixture.Repo.QuerySequences(Query)];
        Assert.Equal(3, expected.Count); // Adam, Baseline (the fold context), Open; the archived run is left out
        Assert.Equal(expected.Select(m => (m.Run.Hash, m.Info.Name, m.Info.Context)), matches.Select(m => (m.Run.Hash, m.Name, m.Context)));
        for (int i = 0; i < expected.Count; i++)
        {
            AssertSameInfo(expected[i].Info, matches[i].Info);
            AssertSameRun(expected[i].Run, matches[i].Run);
            AssertSameData(expected[i].Sequence.Sample(20), matches[i].Sample(20));
        }

        Assert.Equal(0.1, matches.Single(m => m.Run.Hash == fixture.Baseline).Run.Tree["hparams", "lr"].Get<double>());
    }

    [Fact]
    public void A_local_repo_answers_IRepo_reads_with_its_own_objects()
    {
        IRepo repo = fixture.Repo;
        Assert.All(repo.QueryRuns("run.hparams.lr > 0"), r => Assert.IsType<Run>(r));
        Assert.All(repo.QuerySequences("metric.name == 'tokens'"), s => Assert.IsType<SequenceMatch>(s));
        Assert.IsType<Run>(repo.GetRun(fixture.Adam));
        Assert.IsType<TreeView>(repo.GetRun(fixture.Adam).Tree["hparams"]);
        Assert.IsType<Sequence>(repo.GetRun(fixture.Adam).GetSequence("tokens", RemoteReadFixture.Train));
    }

    [Fact]
    public void The_tracking_connections_ws_address_reads_over_http()
    {
        var ws = new UriBuilder(fixture.Server.Address) { Scheme = "ws" }.Uri;
        using var reader = new RemoteReader(ws);
        Assert.Equal(Uri.UriSchemeHttp, reader.BaseAddress.Scheme);
        Assert.Equal(fixture.Adam, reader.GetRun(fixture.Adam).Hash);
        Assert.Throws<ArgumentException>(() => new RemoteReader(new Uri("ftp://127.0.0.1/")));
    }

    public static TheoryData<string, string> BadQueries => new()
    {
        { "runs", "run.hparams.lr > " },
        { "runs", "run.hparams.lr > 0.01 and\n  (run.name == 'x'" },
        { "runs", "run.hparams.lr > 0.01 and __import__('os')" },
        { "runs", "run.nope(1)" },
        { "sequences", "metric.name == " },
        { "sequences", "metric.name == 'loss' and metric.bogus()" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public void A_bad_query_throws_the_same_exception_at_the_same_place_from_both_back_ends(string kind, string query)
    {
        AimQueryException Run(IRepo repo) => Assert.ThrowsAny<AimQueryException>(() =>
        {
            // A local repo throws when the query is made, before any enumeration; so must a remote one.
            if (kind == "runs")
            {
                repo.QueryRuns(query);
            }
            else
            {
                repo.QuerySequences(query);
            }
        });

        AimQueryException local = Run(fixture.Backend("local"));
        AimQueryException remote = Run(fixture.Backend("remote"));
        Assert.True(local.Line > 0);
        AssertSameError(local, remote);
    }

    public static TheoryData<string> RefusedByTheServer => new()
    {
        "run.hparams.lr > ",
        "run.hparams.lr > 0.01 and\n  (run.name == 'x'",
        "run.hparams.lr > 0.01 and __import__('os')",
        "run.hparams.lr > 0.01 and run.hparams.batch.bogus()",
        "run.name == 'x' * (1 << 40)",
        "re.match('(', run.name)",
    };

    [Theory]
    [MemberData(nameof(RefusedByTheServer))]
    public void The_servers_refusal_of_a_query_becomes_the_local_exception(string query)
    {
        // Sent without compiling it here first, so the exception is made from the server's 400 alone.
        AimQueryException local = Assert.ThrowsAny<AimQueryException>(() => AimQuery.CompileRunQuery(query));
        AimQueryException remote = Assert.ThrowsAny<AimQueryException>(() => fixture.Reader.RunsUnchecked(query, CancellationToken.None).ToList());
        AssertSameError(local, remote);
    }

    [Fact]
    public async Task A_server_with_stricter_limits_refuses_the_query_when_results_are_enumerated()
    {
        var strict = new QueryOptions { MaxNodes = 5 };
        await using AimServer server = await AimServer.StartAsync(fixture.Repo, new AimServerOptions { Port = 0, QueryOptions = strict });
        using var reader = new RemoteReader(server.Address);
        const string Query = "run.hparams.lr > 0.001 and run.hparams.batch > 16 and run.experiment == 'sweep'";

        QueryResults<IRunInfo> results = reader.QueryRuns(Query); // compiles here within the default limits
        QueryLimitException remote = Assert.Throws<QueryLimitException>(() => results.ToList());
        AssertSameError(Assert.Throws<QueryLimitException>(() => AimQuery.CompileRunQuery(Query, strict)), remote);
    }

    [Fact]
    public void A_sequence_query_over_another_kind_than_metrics_is_refused_when_made()
    {
        // The server's metric search serves metrics only, and says so as a NameError, as a metric-only compile does.
        QueryNameException error = Assert.Throws<QueryNameException>(() => fixture.Reader.QuerySequences("images.name == 'x'"));
        Assert.Equal((1, 1), (error.Line, error.Column));
    }

    [Fact]
    public void A_non_numeric_sequence_cannot_be_read_remotely()
    {
        ISequence notes = fixture.Reader.GetRun(fixture.Baseline).GetSequence("notes");
        Assert.Equal(300, notes.Info.Count);
        NotSupportedException error = Assert.Throws<NotSupportedException>(() => notes.Read());
        Assert.Contains("notes", error.Message);
        Assert.Contains("str", error.Message);
    }

    [Fact]
    public void An_unreachable_server_is_a_RepoException_naming_the_URL()
    {
        // A port that was free a moment ago: nothing listens there.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        using var reader = new RemoteReader(new Uri($"http://127.0.0.1:{port}"));
        QueryResults<IRunInfo> results = reader.QueryRuns("run.hparams.lr > 0");
        RepoException error = Assert.Throws<RepoException>(() => results.ToList());
        Assert.Contains($"http://127.0.0.1:{port}/api/runs/search/run", error.Message);
        Assert.IsType<HttpRequestException>(error.InnerException);
        Assert.Contains($"127.0.0.1:{port}", Assert.Throws<RepoException>(() => reader.GetRun(fixture.Adam)).Message);
    }

    [Fact]
    public void A_server_that_does_not_answer_is_a_RepoException_after_the_timeout()
    {
        // The kernel accepts the connection into the backlog; nothing ever reads the request or answers it.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            using var reader = new RemoteReader(new Uri($"http://127.0.0.1:{port}/"), timeout: TimeSpan.FromMilliseconds(300));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            RepoException error = Assert.Throws<RepoException>(() => reader.GetRun(fixture.Adam));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30));
            Assert.Contains($"127.0.0.1:{port}", error.Message);
            Assert.Contains("did not answer within 0.3 s", error.Message);
            Assert.IsType<TimeoutException>(error.InnerException);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public void The_bearer_token_goes_with_every_request()
    {
        using var recorder = new RecordingHandler();
        using var reader = new RemoteReader(fixture.Server.Address, "s3cret token", recorder);
        ISequence train = reader.GetRun(fixture.Sgd).GetSequence("loss", RemoteReadFixture.Train);
        _ = train.Read(0, 10);
        _ = train.Sample(3);
        _ = reader.QueryRuns("run.hparams.lr < 0.005").ToList();
        _ = reader.QuerySequences("metric.name == 'tokens'").ToList();
        Assert.Equal(6, recorder.Authorizations.Count); // run search, run document, points, metric search, run search, metric search
        Assert.All(recorder.Authorizations, a => Assert.Equal("Bearer s3cret token", a));
    }

    private static string Key(SequenceInfo info) => info.Name + " " + info.Context;

    private static void AssertSameRun(IRunInfo expected, IRunInfo actual)
    {
        Assert.Equal(expected.Hash, actual.Hash);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Experiment, actual.Experiment);
        Assert.Equal(expected.Description, actual.Description);
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.Archived, actual.Archived);
        Assert.Equal(expected.Active, actual.Active);
        // Times travel as Unix seconds in a double (Aim's creation_time), which holds them to about a microsecond.
        Assert.InRange((actual.CreatedAt - expected.CreatedAt).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        Assert.Equal(expected.EndTime is null, actual.EndTime is null);
        if (expected.EndTime is { } end)
        {
            Assert.InRange((actual.EndTime!.Value - end).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(expected.Tree.Keys, actual.Tree.Keys);
        AssertSameValue(expected.Tree.Get<object?>(null), actual.Tree.Get<object?>(null));
    }

    private static void AssertSameInfo(SequenceInfo expected, SequenceInfo actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Context, actual.Context);
        Assert.Equal(expected.Dtype, actual.Dtype);
        Assert.Equal((expected.Count, expected.FirstStep, expected.LastStep), (actual.Count, actual.FirstStep, actual.LastStep));
        // Types too: a float that came back an int (or a NaN that did not come back) fails.
        AssertSameValue(expected.First, actual.First);
        AssertSameValue(expected.Last, actual.Last);
        AssertSameValue(expected.Min, actual.Min);
        AssertSameValue(expected.Max, actual.Max);
        Assert.Equal(expected.IsNumeric, actual.IsNumeric);
    }

    private static void AssertSameData(SequenceData expected, SequenceData actual)
    {
        Assert.Equal(expected.Steps, actual.Steps);
        Assert.Equal(expected.Epochs, actual.Epochs);
        Assert.Equal(expected.Timestamps, actual.Timestamps);
        Assert.Equal(expected.Numbers, actual.Numbers);
        Assert.Equal(expected.Integers, actual.Integers);
        Assert.Equal(expected.Objects is null, actual.Objects is null);
    }

    /// <summary>Equal values of the same types, all the way down (a double that came back a long fails).</summary>
    private static void AssertSameValue(object? expected, object? actual)
    {
        switch (expected)
        {
            case Dictionary<string, object?> dict:
                var other = Assert.IsType<Dictionary<string, object?>>(actual);
                Assert.Equal(dict.Keys, other.Keys);
                foreach ((string key, object? value) in dict)
                {
                    AssertSameValue(value, other[key]);
                }

                break;
            case Dictionary<long, object?> byInt:
                var otherByInt = Assert.IsType<Dictionary<long, object?>>(actual);
                Assert.Equal(byInt.Keys, otherByInt.Keys);
                foreach ((long key, object? value) in byInt)
                {
                    AssertSameValue(value, otherByInt[key]);
                }

                break;
            case List<object?> list:
                var otherList = Assert.IsType<List<object?>>(actual);
                Assert.Equal(list.Count, otherList.Count);
                for (int i = 0; i < list.Count; i++)
                {
                    AssertSameValue(list[i], otherList[i]);
                }

                break;
            case null:
                Assert.Null(actual);
                break;
            case byte[] bytes:
                Assert.Equal(bytes, Assert.IsType<byte[]>(actual));
                break;
            default:
                Assert.True(expected.GetType() == actual?.GetType() && expected.Equals(actual),
                    $"expected {expected} ({expected.GetType().Name}), got {actual} ({actual?.GetType().Name ?? "null"})");
                break;
        }
    }

    private static void AssertSameError(AimQueryException expected, AimQueryException actual)
    {
        Assert.IsType(expected.GetType(), actual);
        Assert.Equal((expected.Line, expected.Column), (actual.Line, actual.Column));
        Assert.Equal(expected.Detail, actual.Detail);
        Assert.Equal(expected.Message, actual.Message);
        if (expected is QueryNameException name)
        {
            var remoteName = (QueryNameException)actual;
            Assert.Equal(name.Name, remoteName.Name);
            Assert.Equal(name.Allowed, remoteName.Allowed);
        }
    }

    /// <summary>Records the Authorization header of every request it passes on to a real socket handler.</summary>
    private sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public List<string?> Authorizations { get; } = [];

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Authorizations)
            {
                Authorizations.Add(request.Headers.Authorization?.ToString());
            }

            return base.Send(request, cancellationToken);
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Authorizations)
            {
                Authorizations.Add(request.Headers.Authorization?.ToString());
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
