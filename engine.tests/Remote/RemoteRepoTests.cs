using System.Diagnostics;
using AimLsm.Remote;
using AimLsm.Tests.Testing;
using AimLsm.Tree;
using Microsoft.Extensions.Logging;

namespace AimLsm.Tests.Remote;

/// <summary>
/// The client's write side (issue 18, points 2 and 3) end to end over a real socket: <see cref="RemoteRepo"/> and
/// <see cref="RemoteRun"/> against a <see cref="TrackingServer"/> hosted by Kestrel on 127.0.0.1
/// (<see cref="TrackingHost"/>), read back exactly through the server's <see cref="Repo"/>.
/// </summary>
public sealed class RemoteRepoTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string RepoPath => _dir.Sub("repo");

    private RemoteRepoOptions Options(Action<RemoteRepoOptions>? change = null)
    {
        var options = new RemoteRepoOptions { Token = TrackingHost.Token, SpoolPath = _dir.Path, FlushTimeout = TimeSpan.FromSeconds(30) };
        change?.Invoke(options);
        return options;
    }

    [Fact]
    public async Task Several_clients_tracking_concurrently_are_read_back_exactly_through_the_server_s_repo()
    {
        const int Clients = 3, Steps = 2_000;
        var hashes = new List<(string Hash, int Client, int Run)>();
        await using (TrackingHost host = await TrackingHost.StartAsync(RepoPath))
        {
            var repos = Enumerable.Range(0, Clients).Select(_ => RemoteRepo.Connect(host.Address, Options())).ToArray();
            try
            {
                var tracking = new List<Task>();
                for (int c = 0; c < Clients; c++)
                {
                    for (int r = 0; r < 2; r++)
                    {
                        RemoteRun run = repos[c].CreateRun(experiment: $"exp{c}", name: $"run {c}.{r}", tags: ["a", $"c{c}"], description: "remote");
                        run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.001 * (c + 1), ["layers"] = new List<object?> { 64L, 32L }, ["run"] = (long)r };
                        hashes.Add((run.Hash, c, r));
                        int client = c, index = r;
                        tracking.Add(Task.Run(() =>
                        {
                            for (int step = 0; step < Steps; step++)
                            {
                                run.Track(client + (index / 10.0) + (step / 1e6), "loss", epoch: step / 100, context: new Context { ["subset"] = "train" });
                                run.Track((long)step * 3, "count", step: step * 2);
                                if (step % 500 == 0)
                                {
                                    run.Track($"note {step}", "notes", step: step);
                                }
                            }

                            run.AddTag("done");
                            run.Archived = index == 1;
                            run.Dispose();
                        }));
                    }
                }

                await Task.WhenAll(tracking).WaitAsync(Bound);
                foreach (RemoteRepo repo in repos)
                {
                    repo.Flush();
                }
            }
            finally
            {
                foreach (RemoteRepo repo in repos)
                {
                    repo.Dispose();
                }
            }

            foreach ((string hash, int c, int r) in hashes)
            {
                Run stored = host.Repo.GetRun(hash);
                Assert.Equal($"run {c}.{r}", stored.Name);
                Assert.Equal($"exp{c}", stored.Experiment);
                Assert.Equal("remote", stored.Description);
                Assert.Equal(["a", $"c{c}", "done"], stored.Tags);
                Assert.Equal(r == 1, stored.Archived);
                Assert.NotNull(stored.EndTime);
                Assert.Equal(0.001 * (c + 1), stored.Tree["hparams", "lr"].Value);
                Assert.Equal(new List<object?> { 64L, 32L }, stored.Tree["hparams", "layers"].Value);
                SequenceData loss = stored.GetSequence("loss", new Context { ["subset"] = "train" }).Read();
                Assert.Equal(Enumerable.Range(0, Steps).Select(s => (long)s), loss.Steps);
                Assert.Equal(Enumerable.Range(0, Steps).Select(s => c + (r / 10.0) + (s / 1e6)), loss.Numbers!);
                Assert.Equal(Enumerable.Range(0, Steps).Select(s => (long?)(s / 100)), loss.Epochs);
                SequenceData count = stored.GetSequence("count").Read();
                Assert.Equal(Enumerable.Range(0, Steps).Select(s => 2L * s), count.Steps);
                Assert.Equal(Enumerable.Range(0, Steps).Select(s => 3L * s), count.Integers!);
                Assert.All(count.Epochs, e => Assert.Null(e));
                SequenceData notes = stored.GetSequence("notes").Read();
                Assert.Equal([0L, 500L, 1000L, 1500L], notes.Steps);
                Assert.Equal("note 1500", notes.GetValue(3));
            }
        }
    }

    [Fact]
    public async Task A_connection_dropped_before_the_server_s_acks_resends_and_every_point_is_stored_once()
    {
        const int Steps = 20_000;
        await using TrackingHost host = await TrackingHost.StartAsync(RepoPath);
        int acks = 0;
        host.DropAck = () => Interlocked.Increment(ref acks) % 2 == 0; // every second Ack never arrives: the connection drops
        string hash;
        using (var repo = RemoteRepo.Connect(host.Address, Options(o => o.BatchOperations = 500)))
        {
            RemoteRun run = repo.CreateRun();
            hash = run.Hash;
            for (int step = 0; step < Steps; step++)
            {
                run.Track((double)step, "x");
                if (step % 2_000 == 1_999)
                {
                    repo.Flush(); // asks for acknowledgements: every second one is dropped, and the client resends after reconnecting
                }
            }

            host.DropAck = null;
            run.Dispose();
        }

        Assert.True(host.Connections > 1, $"the connection was never dropped ({host.Connections} connections)");
        SequenceData data = host.Repo.GetRun(hash).GetSequence("x").Read();
        Assert.Equal(Enumerable.Range(0, Steps).Select(s => (long)s), data.Steps);
        Assert.Equal(Enumerable.Range(0, Steps).Select(s => (double)s), data.Numbers!);
        Assert.Equal(Steps, host.Repo.GetRun(hash).GetSequence("x").Info.Count);
    }

    [Fact]
    public async Task A_server_stopped_and_restarted_on_the_same_port_mid_run_loses_nothing_and_doubles_nothing()
    {
        const int Steps = 30_000;
        TrackingHost host = await TrackingHost.StartAsync(RepoPath);
        int port = host.Port;
        var repos = new[] { RemoteRepo.Connect(host.Address, Options()), RemoteRepo.Connect(host.Address, Options()) };
        RemoteRun[] runs = [.. repos.Select(r => r.CreateRun())];
        int progress = 0;
        Task[] tracking = [.. runs.Select(run => Task.Run(() =>
        {
            for (int step = 0; step < Steps; step++)
            {
                run.Track((long)step, "m", epoch: 1);
                Interlocked.Increment(ref progress);
                if (step % 1_000 == 0)
                {
                    Thread.Sleep(10);
                }
            }
        }))];
        try
        {
            await WaitUntil(() => Volatile.Read(ref progress) > Steps / 2);
            await host.DisposeAsync(); // the server goes away mid-run; the clients keep tracking into their spools
            await Task.Delay(300);
            host = await TrackingHost.StartAsync(RepoPath, port);
            await Task.WhenAll(tracking).WaitAsync(Bound);
            foreach (RemoteRun run in runs)
            {
                run.Dispose();
            }
        }
        finally
        {
            foreach (RemoteRepo repo in repos)
            {
                repo.Dispose();
            }

            await host.DisposeAsync();
        }

        using Repo read = Repo.OpenReadOnly(RepoPath);
        foreach (RemoteRun run in runs)
        {
            Sequence m = read.GetRun(run.Hash).GetSequence("m");
            Assert.Equal(Steps, m.Info.Count);
            SequenceData data = m.Read();
            Assert.Equal(Enumerable.Range(0, Steps).Select(s => (long)s), data.Steps);
            Assert.Equal(Enumerable.Range(0, Steps).Select(s => (long)s), data.Integers!);
        }
    }

    [Fact]
    public async Task A_server_down_from_the_start_gets_the_spool_drained_once_it_is_up()
    {
        int port = TrackingHost.FreePort();
        var logger = new ListLogger();
        using var repo = RemoteRepo.Connect(new Uri($"http://127.0.0.1:{port}"), Options(o =>
        {
            o.Window = 2;
            o.BatchOperations = 100;
            o.Logger = logger;
        }));
        RemoteRun run = repo.CreateRun(name: "offline");
        run["config"] = "from the spool";
        for (int step = 0; step < 5_000; step++)
        {
            run.Track(step * 0.5, "y");
        }

        await WaitUntil(() => Directory.Exists(repo.SpoolFolder));
        Assert.False(repo.IsConnected);
        await using TrackingHost host = await TrackingHost.StartAsync(RepoPath, port);
        repo.Flush();
        Assert.True(repo.IsConnected);
        run.Dispose();

        Run stored = host.Repo.GetRun(run.Hash);
        Assert.Equal("offline", stored.Name);
        Assert.Equal("from the spool", stored.Tree["config"].Value);
        SequenceData data = stored.GetSequence("y").Read();
        Assert.Equal(Enumerable.Range(0, 5_000).Select(s => s * 0.5), data.Numbers!);
        repo.Dispose();
        Assert.False(Directory.Exists(repo.SpoolFolder), "the empty spool is deleted by Dispose");
        Assert.Contains(logger.Entries, e => e.Text.Contains("spooling", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_connected_client_whose_server_is_slow_keeps_batches_in_memory_up_to_MemoryBytes_and_spools_only_past_it()
    {
        var acks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TrackingHost host = await TrackingHost.StartAsync(RepoPath);
        host.AckGate = acks.Task; // the server applies the batches and acknowledges none until the gate opens
        using var repo = RemoteRepo.Connect(host.Address, Options(o =>
        {
            o.RequireServer = true;
            o.Window = 2;
            o.BatchOperations = 100; // about 1.1 KB a batch of these float32 points (packed, 10-11 bytes each)
            o.BatchDelay = TimeSpan.FromMinutes(1); // sealed by count only: on a loaded machine a slow Track made smaller batches, 26 of them in 64 KB
            o.MemoryBytes = 16 << 10;
        }));
        try
        {
            RemoteRun run = repo.CreateRun(name: "slow server");
            int step = 0;
            void TrackTo(int end)
            {
                for (; step < end; step++)
                {
                    run.Track(step * 0.25, "m");
                }
            }

            // 1,050 points, 10 batches sealed by count, about 11 KB: under the budget, all wait in memory though only
            // Window are sent. The property is not a point, so the sender takes every point queued at once, rather
            // than waiting for OpQueue.WakeCount of them or for BatchDelay (a minute); and 1,050 rather than 1,000,
            // since the run's creation and each batch's sequence declaration take some of the 100 operations.
            TrackTo(1_050);
            run["phase"] = "under the budget";
            await WaitUntil(() => repo.Unacknowledged.InMemory >= 10);
            Assert.True(repo.IsConnected);
            Assert.Equal(0, repo.Unacknowledged.Spooled);
            Assert.False(Directory.Exists(repo.SpoolFolder), "a connected client under its memory budget wrote a spool");

            // 4,000 more: about 44 KB, past the 16 KB budget: the later batches go to the spool, the server still connected.
            TrackTo(5_000);
            await WaitUntil(() => repo.Unacknowledged.Spooled > 0);
            Assert.True(repo.IsConnected);
            // Memory filled up to the budget before anything went to the spool: it holds at least the first 10
            // batches, at most MemoryBytes, and less than a batch or two below it (the batch that went to the spool
            // did not fit). Counted in bytes: a batch's size depends on how fast Track ran, since each point carries
            // the time since the previous one (8-11 bytes a point), so the count of batches that fit moves with it.
            int inMemory = repo.Unacknowledged.InMemory;
            long bytes = repo.UnacknowledgedBytesInMemory;
            Assert.True(inMemory >= 10, $"{inMemory} batches in memory");
            Assert.InRange(bytes, (16 << 10) - (2 * bytes / inMemory), 16 << 10);
            Assert.True(Directory.Exists(repo.SpoolFolder));

            acks.SetResult();
            repo.Flush();
            Assert.Equal((0, 0), repo.Unacknowledged);
            run.Dispose();
            Assert.Equal(Enumerable.Range(0, 5_000).Select(s => s * 0.25), host.Repo.GetRun(run.Hash).GetSequence("m").Read().Numbers!);
        }
        finally
        {
            // A failed assertion must not turn into the repo's Dispose waiting FlushTimeout for Acks the gate holds back
            // (its TimeoutException would hide the assertion's message).
            acks.TrySetResult();
        }
    }

    [Fact]
    public void Flush_with_the_server_down_times_out_saying_since_when_how_much_waits_and_where()
    {
        int port = TrackingHost.FreePort();
        var repo = RemoteRepo.Connect(new Uri($"http://127.0.0.1:{port}"), Options(o =>
        {
            o.FlushTimeout = TimeSpan.FromSeconds(3);
            o.Window = 1;
            o.BatchOperations = 10;
            o.BatchDelay = TimeSpan.FromMinutes(1); // batches sealed by count and by the flush only
        }));
        RemoteRun run = repo.CreateRun();
        for (int step = 0; step < 95; step++)
        {
            run.Track(1.0, "z");
        }

        var watch = Stopwatch.StartNew();
        TimeoutException e = Assert.Throws<TimeoutException>(repo.Flush);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2.9), TimeSpan.FromSeconds(30));
        Assert.True(e.Message.Contains("unreachable since", StringComparison.Ordinal), e.Message);
        Assert.True(e.Message.Contains("11 batches (95 points) not acknowledged, 1 in memory and 10", StringComparison.Ordinal), e.Message); // 10 operations a batch: the create, 95 points and a sequence declaration per batch
        Assert.Contains(repo.SpoolFolder, e.Message, StringComparison.Ordinal);
        Assert.Throws<TimeoutException>(run.Flush);
        Assert.Throws<TimeoutException>(repo.Dispose);
        Assert.True(Directory.Exists(repo.SpoolFolder), "a spool with unacknowledged batches is kept");
    }

    [Fact]
    public void Track_s_argument_errors_are_thrown_in_the_caller_s_thread_as_a_local_run_throws_them()
    {
        int port = TrackingHost.FreePort();
        var remote = RemoteRepo.Connect(new Uri($"http://127.0.0.1:{port}"), Options(o => o.FlushTimeout = TimeSpan.FromMilliseconds(100)));
        using var local = Repo.Open(RepoPath);
        IRun[] runs = [remote.CreateRun(), local.CreateRun()];
        var messages = new List<string>[] { [], [] };
        for (int i = 0; i < runs.Length; i++)
        {
            IRun run = runs[i];
            run.Track(1.0, "loss");
            void Refused<T>(Action track)
                where T : Exception => messages[i].Add(Assert.Throws<T>(track).Message.Replace(run.Hash, "HASH", StringComparison.Ordinal));

            Refused<ArgumentException>(() => run.Track(1.0, ""));
            Refused<ArgumentException>(() => run.Track("text", "loss"));
            Refused<ArgumentException>(() => run.Track(new object(), "other"));
            Refused<ArgumentOutOfRangeException>(() => run.Track(1.0, "loss", epoch: long.MinValue));
            Refused<ArgumentOutOfRangeException>(() => run.Track(1.0, "loss", step: long.MaxValue));
            Refused<ArgumentException>(() => run.Track(1.0, new string('n', 1 << 20)));
            Refused<ArgumentException>(() => run.AddTag(""));
        }

        Assert.Equal(messages[1], messages[0]);
        Assert.Throws<TimeoutException>(remote.Dispose); // no server: nothing was ever sent
    }

    // Resuming reads the run through the server's read API, so these run against the real aim-server (--writable).
    private async Task<AimLsm.Tests.Server.RunningServerCommand> StartWritableServerAsync()
    {
        string tokenFile = Path.Combine(_dir.Path, "token");
        await File.WriteAllTextAsync(tokenFile, TrackingHost.Token + "-long-enough\n");
        return await AimLsm.Tests.Server.RunningServerCommand.StartAsync(["--repo", RepoPath, "--writable", "--port", "0", "--token-file", tokenFile]);
    }

    private RemoteRepoOptions ServerOptions() => Options(o => o.Token = TrackingHost.Token + "-long-enough");

    [Fact]
    public async Task A_run_held_by_another_session_fails_with_an_exception_that_names_the_holder()
    {
        await using AimLsm.Tests.Server.RunningServerCommand server = await StartWritableServerAsync();
        using var holder = RemoteRepo.Connect(server.Url, ServerOptions());
        RemoteRun held = holder.CreateRun();
        held.Track(1.0, "a");
        holder.Flush();

        using var other = RemoteRepo.Connect(server.Url, ServerOptions());
        RemoteRun intruder = other.OpenRun(held.Hash);
        intruder.Track(2.0, "a", step: 5);
        TrackingProtocolException e = Assert.Throws<TrackingProtocolException>(intruder.Flush);
        Assert.Equal(TrackingErrorCode.RunLocked, e.Code);
        Assert.Contains(held.Hash, e.Message, StringComparison.Ordinal);
        Assert.Contains(holder.Session.ToString("N"), e.Message, StringComparison.Ordinal);
        Assert.Throws<TrackingProtocolException>(() => intruder.Track(3.0, "a"));

        // The refused batch does not wedge the session: the other's own runs go on.
        RemoteRun own = other.CreateRun();
        own.Track(7.0, "b");
        own.Dispose();
        Assert.Equal([7.0], other.GetRun(own.Hash).GetSequence("b").Read().Numbers!);
        held.Track(1.5, "a");
        held.Dispose();
        Assert.Equal([1.0, 1.5], other.GetRun(held.Hash).GetSequence("a").Read().Numbers!);
        Assert.Throws<TrackingProtocolException>(intruder.Dispose);
    }

    [Fact]
    public async Task A_resumed_run_continues_each_sequence_after_its_last_step_and_knows_its_props()
    {
        await using AimLsm.Tests.Server.RunningServerCommand server = await StartWritableServerAsync();
        var train = new Context { ["subset"] = "train" };
        string hash;
        using (var first = RemoteRepo.Connect(server.Url, ServerOptions()))
        {
            RemoteRun run = first.CreateRun(experiment: "resume", name: "r1", tags: ["a"]);
            hash = run.Hash;
            for (int i = 0; i < 5; i++)
            {
                run.Track(i * 1.0, "loss", context: train);
            }

            run.Track(10L, "count", step: 41);
            run.Dispose();
        }

        using var second = RemoteRepo.Connect(server.Url, ServerOptions());
        RemoteRun resumed = second.OpenRun(hash);
        Assert.Equal("r1", resumed.Name);
        Assert.Equal("resume", resumed.Experiment);
        Assert.Equal(["a"], resumed.Tags);
        resumed.Track(5.0, "loss", context: train);   // step 5, after the server's last (4)
        resumed.Track(11L, "count");                   // step 42
        Assert.Throws<ArgumentException>(() => resumed.Track("text", "count")); // the sequence holds ints
        resumed.Dispose();

        IRunInfo read = second.GetRun(hash);
        Assert.Equal([0L, 1, 2, 3, 4, 5], read.GetSequence("loss", train).Read().Steps);
        Assert.Equal([41L, 42], read.GetSequence("count").Read().Steps);
        Assert.Throws<RunNotFoundException>(() => second.OpenRun(new string('0', 24)));
    }

    [Fact]
    public void Resuming_a_run_while_the_server_cannot_be_read_says_why_and_names_the_server()
    {
        using var offline = RemoteRepo.Connect(new Uri($"http://127.0.0.1:{TrackingHost.FreePort()}"), Options(o => o.FlushTimeout = TimeSpan.FromSeconds(1)));
        RepoException e = Assert.Throws<RepoException>(() => offline.OpenRun(new string('a', 24)));
        Assert.Contains("cannot be resumed", e.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_spool_makes_Track_block_until_the_server_drains_it_and_says_so_once()
    {
        int port = TrackingHost.FreePort();
        var logger = new ListLogger();
        using var repo = RemoteRepo.Connect(new Uri($"http://127.0.0.1:{port}"), Options(o =>
        {
            o.Window = 1;
            o.QueueCapacity = 16;
            o.BatchOperations = 100;
            o.BatchBytes = 4096;
            o.SpoolBytes = 16 << 10;
            o.Logger = logger;
        }));
        RemoteRun run = repo.CreateRun();
        const int Steps = 5_000;
        int tracked = 0;
        Task tracking = Task.Run(() =>
        {
            for (int step = 0; step < Steps; step++)
            {
                run.Track((double)step, "w");
                Volatile.Write(ref tracked, step + 1);
            }
        });

        // The spool holds 16 KiB: a few hundred points. Track then blocks (and the tracking thread stalls).
        int before;
        do
        {
            before = Volatile.Read(ref tracked);
            await Task.Delay(300);
        }
        while (Volatile.Read(ref tracked) != before && !tracking.IsCompleted);

        Assert.False(tracking.IsCompleted, "Track never blocked");
        Assert.InRange(before, 100, Steps - 1);
        Assert.Single(logger.Entries, e => e.Text.Contains("Track blocks", StringComparison.Ordinal));

        await using TrackingHost host = await TrackingHost.StartAsync(RepoPath, port);
        await tracking.WaitAsync(Bound);
        run.Dispose();
        Assert.Equal(Enumerable.Range(0, Steps).Select(s => (double)s), host.Repo.GetRun(run.Hash).GetSequence("w").Read().Numbers!);
        Assert.Single(logger.Entries, e => e.Text.Contains("Track blocks", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_token_is_reported_by_the_next_call_and_nothing_is_written()
    {
        await using TrackingHost host = await TrackingHost.StartAsync(RepoPath);
        var repo = RemoteRepo.Connect(host.Address, Options(o =>
        {
            o.Token = "wrong";
            o.FlushTimeout = TimeSpan.FromSeconds(2);
        }));
        RemoteRun run = repo.CreateRun();
        await WaitUntil(() =>
        {
            try
            {
                run.Track(1.0, "x");
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return true;
            }
        });
        UnauthorizedAccessException e = Assert.Throws<UnauthorizedAccessException>(repo.Flush);
        Assert.Contains("401", e.Message, StringComparison.Ordinal);
        Assert.Throws<UnauthorizedAccessException>(repo.Dispose);
        Assert.Empty(host.Repo.Runs);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < Bound, "the condition did not come true in time");
            await Task.Delay(20);
        }
    }

    /// <summary>Keeps what is logged.</summary>
    private sealed class ListLogger : ILogger
    {
        private readonly List<(LogLevel Level, string Text)> _entries = [];

        public List<(LogLevel Level, string Text)> Entries
        {
            get
            {
                lock (_entries)
                {
                    return [.. _entries];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_entries)
            {
                _entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
