using System.Net.WebSockets;
using AimLsm.Encoding;
using AimLsm.Remote;
using AimLsm.Tests.Testing;
using AimLsm.Tree;
using AimLsm.Tree.Storage;

namespace AimLsm.Tests.Remote;

/// <summary>
/// Offline first, sync later (issue 18, point 4): a local repo copied into a tracking server's repo over loopback
/// sockets, whole, then again (nothing sent), then with new points (only they are sent), interrupted and resumed
/// (every point once), and with a hash the server has for another run (refused by name, the others synced).
/// </summary>
public sealed class SyncTests : IAsyncDisposable
{
    private static readonly Uri Server = new("http://127.0.0.1:43800");
    private static readonly Context Train = new() { ["subset"] = "train" };
    private static readonly Context Val = new() { ["subset"] = "val" };

    private readonly TempDirectory _dir = new();
    private readonly Repo _local;
    private readonly Repo _remote;
    private readonly TrackingServer _server;
    private readonly List<LoopbackConnection> _connections = [];
    private readonly string[] _hashes;

    public SyncTests()
    {
        _local = Repo.Open(_dir.Sub("local"));
        _remote = Repo.Open(_dir.Sub("server"));
        _server = new TrackingServer(_remote);
        _hashes = [TrackSweepRun(), TrackSmallRun(), TrackRunWithoutSequences()];
    }

    public async ValueTask DisposeAsync()
    {
        _server.Dispose();
        foreach (LoopbackConnection connection in _connections)
        {
            connection.Tcp.Dispose();
            connection.ServerTcp.Dispose();
            await connection.Serving.WaitAsync(TimeSpan.FromSeconds(20));
        }

        _remote.Dispose();
        _local.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void An_offline_repo_arrives_whole_and_a_second_sync_sends_nothing()
    {
        SyncReport first = _local.SyncTo(Server, Options());
        Assert.Empty(first.Errors);
        Assert.Equal(3, first.Runs);
        Assert.Equal(TotalPoints(), first.Points);
        Assert.Equal(3, first.Blobs); // the two images' pixels and the long text
        AssertServerHasLocalRuns(_hashes);

        SyncReport second = _local.SyncTo(Server, Options());
        Assert.Equal((0, 3, 0L, 0L, 0L), (second.Runs, second.RunsUnchanged, second.Batches, second.Points, second.Bytes));
        Assert.Empty(_connections.Skip(1)); // nothing to send: no connection at all
        Assert.True(File.Exists(Path.Combine(_local.Path, "sync", "ws_127.0.0.1_43800.json")));
    }

    [Fact]
    public void Points_tracked_after_a_sync_are_the_only_ones_sent_the_next_time()
    {
        _local.SyncTo(Server, Options());
        long valCount;
        using (Run run = _local.OpenRun(_hashes[0]))
        {
            for (long step = 300; step < 350; step++)
            {
                run.Track(1.0 / (step + 1), "loss", step, step / 100, Train);
            }

            run.AddTag("resumed");
            run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.02, ["layers"] = new List<object?> { 512L } };
        }

        SyncReport third = _local.SyncTo(Server, Options());
        Assert.Equal((1, 2, 50L), (third.Runs, third.RunsUnchanged, third.Points));
        AssertServerHasLocalRuns(_hashes);

        // A step below the last one sent (a late point) makes the sequence go whole: a replay of the same steps.
        using (Run run = _local.OpenRun(_hashes[0]))
        {
            run.Track(7L, "accuracy", 3, null, Val);
        }

        valCount = _local.GetRun(_hashes[0]).GetSequence("accuracy", Val).Info.Count;
        Assert.Equal(151, valCount);

        SyncReport fourth = _local.SyncTo(Server, Options());
        Assert.Equal(valCount, fourth.Points);
        AssertServerHasLocalRuns(_hashes);
    }

    [Fact]
    public async Task An_interrupted_sync_resumes_and_every_point_arrives_once()
    {
        using var stop = new CancellationTokenSource();
        var progress = new Callback(p =>
        {
            if (p.Batches >= 3)
            {
                stop.Cancel();
            }
        });
        SyncOptions small = Options();
        small.BatchBytes = 4096;
        small.Window = 1; // at most one batch beyond the acknowledged ones reaches the server before the cancel
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _local.SyncToAsync(Server, small, progress, stop.Token));
        long total = TotalPoints();
        Assert.InRange(_remote.Runs.Sum(r => r.Sequences.Sum(s => s.Count)), 1, total - 1);

        SyncReport resumed = _local.SyncTo(Server, small);
        Assert.Empty(resumed.Errors);
        Assert.InRange(resumed.Points, 1, total - 1); // what the first one delivered was not sent again
        AssertServerHasLocalRuns(_hashes);
    }

    [Fact]
    public void A_dropped_connection_stops_the_sync_and_the_next_one_resumes()
    {
        SyncOptions small = Options();
        small.BatchBytes = 4096;
        small.Window = 1;
        small.Reconnects = 0;
        bool dropped = false;
        var progress = new Callback(p =>
        {
            if (p.Batches >= 2 && !dropped)
            {
                dropped = true;
                _connections[^1].ServerTcp.Client.Close(0); // the network goes
            }
        });
        SyncException failed = Assert.Throws<SyncException>(() => _local.SyncTo(Server, small, progress));
        Assert.Contains("the next sync resumes", failed.Message);

        SyncReport resumed = _local.SyncTo(Server, small);
        Assert.Empty(resumed.Errors);
        Assert.InRange(resumed.Points, 1, TotalPoints() - 1);
        AssertServerHasLocalRuns(_hashes);
    }

    [Fact]
    public void A_hash_the_server_has_for_another_run_is_refused_by_name_and_the_other_runs_sync()
    {
        string taken = _hashes[1];
        _remote.CreateRunWithHash(taken, new RunProps { Name = "the server's own", Experiment = "other", CreatedAt = 1_700_000_000 }).Dispose();

        SyncReport report = _local.SyncTo(Server, Options());
        SyncRunError error = Assert.Single(report.Errors);
        Assert.Equal((taken, TrackingErrorCode.RunConflict), (error.Hash, error.Code));
        Assert.Contains(taken, error.Message);
        Assert.Contains("another creation time", error.Message);
        Assert.Equal(2, report.Runs);
        AssertServerHasLocalRuns([_hashes[0], _hashes[2]]);
        Assert.Equal("the server's own", _remote.GetRun(taken).Name);
        Assert.Empty(_remote.GetRun(taken).Sequences);

        // Reported again next time, not forgotten; the synced runs stay unchanged.
        SyncReport again = _local.SyncTo(Server, Options());
        Assert.Equal(taken, Assert.Single(again.Errors).Hash);
        Assert.Equal(2, again.RunsUnchanged);
    }

    [Fact]
    public void A_sync_state_of_a_later_version_is_refused_with_its_path_and_nothing_is_sent()
    {
        _local.SyncTo(Server, Options());
        string state = Path.Combine(_local.Path, "sync", "ws_127.0.0.1_43800.json");
        File.WriteAllText(state, File.ReadAllText(state).Replace("\"version\": 1", "\"version\": 2"));
        int connections = _connections.Count;

        SyncException refused = Assert.Throws<SyncException>(() => _local.SyncTo(Server, Options()));
        Assert.Contains(state, refused.Message);
        Assert.Contains("version 2", refused.Message);
        Assert.Equal(connections, _connections.Count);
    }

    [Fact]
    public void Progress_counts_up_to_every_run_and_point()
    {
        var seen = new List<SyncProgress>();
        SyncOptions small = Options();
        small.BatchBytes = 4096;
        SyncReport report = _local.SyncTo(Server, small, new Callback(seen.Add));
        Assert.True(seen.Count > 1);
        Assert.Equal(seen.OrderBy(p => p.Batches), seen); // in order, never backwards
        SyncProgress last = seen[^1];
        Assert.Equal((3, 3, report.Batches, TotalPoints(), report.Bytes), (last.RunsDone, last.RunsTotal, last.Batches, last.Points, last.Bytes));
    }

    private SyncOptions Options() => new()
    {
        Timeout = TimeSpan.FromSeconds(20),
        Connect = async (_, cancellationToken) =>
        {
            LoopbackConnection connection = await RawTrackingClient.OpenAsync(_server, cancellationToken);
            _connections.Add(connection);
            return connection.Client;
        },
    };

    /// <summary>Params, props and tags; floats and ints in two contexts with epochs; images whose pixels are stored
    /// apart, a long text stored apart whole, and a short one inline. Closed.</summary>
    private string TrackSweepRun()
    {
        using Run run = _local.CreateRun("sweep", "lr 0.01", ["baseline", "gpu"], "the first run");
        run["hparams"] = new Dictionary<string, object?>
        {
            ["lr"] = 0.01,
            ["layers"] = new List<object?> { 256L, 128L },
            ["optimizer"] = new Dictionary<string, object?> { ["name"] = "adam", ["betas"] = new List<object?> { 0.9, 0.999 } },
            ["seed"] = null,
        };
        for (long step = 0; step < 300; step++)
        {
            run.Track(1.0 / (step + 1), "loss", step, step / 100, Train);
            if (step % 2 == 0)
            {
                run.Track(2.0 / (step + 1), "loss", step, step / 100, Val);
                run.Track(step * 3, "accuracy", step, null, Val);
            }

            run.Track(step, "accuracy", step, null, Train);
        }

        for (long step = 0; step < 2; step++)
        {
            var image = new AimObject("aim.image");
            image.Fields["caption"] = $"sample {step}";
            image.Fields["width"] = 64L;
            image.Fields["data"] = Enumerable.Range(0, 6000).Select(i => (byte)(i * (step + 7))).ToArray();
            run.Track(image, "samples", step * 10, null, Train);
        }

        run.Track(new string('w', 5000), "notes", 0);
        run.Track("short", "notes", 1);
        return run.Hash;
    }

    private string TrackSmallRun()
    {
        using Run run = _local.CreateRun(name: "small");
        run["batch_size"] = 64L;
        for (long step = -3; step < 5; step++)
        {
            run.Track(step * 0.5, "grad_norm", step);
        }

        return run.Hash;
    }

    private string TrackRunWithoutSequences()
    {
        using Run run = _local.CreateRun("archive", "params only");
        run["note"] = "no metrics";
        run.Archived = true;
        return run.Hash;
    }

    private long TotalPoints() => _local.Runs.Sum(r => r.Sequences.Sum(s => s.Count));

    /// <summary>The server has each run as the local repo has it: props, tree, and every point with its step, epoch,
    /// time and value, blobs loaded.</summary>
    private void AssertServerHasLocalRuns(IEnumerable<string> hashes)
    {
        foreach (string hash in hashes)
        {
            Run local = _local.GetRun(hash);
            Run remote = _remote.GetRun(hash);
            Assert.Equal(local.Name, remote.Name);
            Assert.Equal(local.Experiment, remote.Experiment);
            Assert.Equal(local.Description, remote.Description);
            Assert.Equal(local.Tags, remote.Tags);
            Assert.Equal(local.Archived, remote.Archived);
            Assert.Equal(local.CreatedAt, remote.CreatedAt);
            Assert.Equal(local.EndTime, remote.EndTime);
            Assert.Equal(Loaded(local.Tree.Value), Loaded(remote.Tree.Value));
            var sequences = local.Sequences.OrderBy(s => s.Name).ThenBy(s => s.Context.ToString()).ToList();
            Assert.Equal(
                sequences.Select(s => (s.Name, s.Context.ToString(), s.Dtype, s.Count, s.FirstStep, s.LastStep)),
                remote.Sequences.OrderBy(s => s.Name).ThenBy(s => s.Context.ToString()).Select(s => (s.Name, s.Context.ToString(), s.Dtype, s.Count, s.FirstStep, s.LastStep)));
            foreach (SequenceInfo info in sequences)
            {
                SequenceData mine = local.GetSequence(info.Name, info.Context).Read();
                SequenceData theirs = remote.GetSequence(info.Name, info.Context).Read();
                Assert.Equal(mine.Steps, theirs.Steps);
                Assert.Equal(mine.Epochs, theirs.Epochs);
                Assert.Equal(mine.Timestamps, theirs.Timestamps);
                Assert.Equal(mine.Integers, theirs.Integers);
                Assert.Equal(mine.Numbers, theirs.Numbers);
                Assert.Equal(mine.Objects?.Select(Loaded), theirs.Objects?.Select(Loaded));
            }
        }
    }

    /// <summary>A value with its blobs loaded and objects as (type, fields), for comparing.</summary>
    private static object? Loaded(object? value) => value switch
    {
        AimBlob blob => Loaded(blob.Load()),
        AimObject obj => (obj.TypeName, Loaded(obj.Fields)),
        Dictionary<string, object?> dict => dict.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, Loaded(p.Value))).ToList(),
        List<object?> list => list.Select(Loaded).ToList(),
        byte[] bytes => Convert.ToHexString(bytes),
        _ => value,
    };

    /// <summary>An <see cref="IProgress{T}"/> that calls back on the sync's own thread, at once.</summary>
    private sealed class Callback(Action<SyncProgress> report) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) => report(value);
    }
}
