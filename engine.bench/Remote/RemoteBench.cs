using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime;
using System.Net.Sockets;
using AimLsm.Bench.DbBench;
using AimLsm.Remote;
using AimLsm.Tree;

namespace AimLsm.Bench.Remote;

/// <summary>
/// The <c>remote</c> workload (issue 18): remote tracking through a writable aim-server process, beside the same shape
/// tracked in-process, in one run.
/// <list type="number">
/// <item><b>In-process</b>: a local repo, <c>connections x 4</c> runs x 4 metrics x 2 contexts x steps float points
/// tracked from 4 threads, until <c>Repo.Flush</c> returns (durable): the reference rate.</item>
/// <item><b>Remote</b>: aim-server <c>--writable</c> in its own process on 127.0.0.1; <c>clients</c> client
/// processes (this program's <c>remote-client</c>), each with <c>connections / clients</c> <see cref="RemoteRepo"/>
/// connections of 4 runs x 4 metrics x 2 contexts, tracked from 4 threads. Rate = every point / the time from "go"
/// to the last client's <c>Flush</c> returning (every point acknowledged durable). Each client times every
/// <c>Track</c> call on the calling thread, and a probe thread times Track-to-durable-acknowledgement of one point
/// every <see cref="ProbeInterval"/> ms on a connection of its own (Track, then Flush of that connection). The server's peak RSS (VmHWM) is read before it stops.</item>
/// <item><b>Server down</b>: one client process tracking the same shape while nothing listens (every batch goes to
/// the spool): the cost of Track on the calling thread while spooling.</item>
/// </list>
/// </summary>
internal static class RemoteBench
{
    private static readonly string[] Metrics = ["loss", "accuracy", "lr", "grad_norm"];
    private static readonly string[] Subsets = ["train", "val"];
    private const int RunsPerConnection = 4;
    private const int Threads = 4;
    private const string Token = "remote-bench-token-7f3a9c1e5b2d4068";

    public sealed record Settings(int Clients, int Connections, int Steps, int WarmupSteps, int Passes, string DataDirectory, string ResultsDirectory, bool WriteFiles);

    /// <summary>What one client process reports; <c>CpuSeconds</c> is its user + system time from "go" to its last
    /// <c>Flush</c> returning.</summary>
    private sealed record ClientResult(long Points, double Seconds, double TrackP50, double TrackP99, double TrackMax,
        double ProbeP50, double ProbeP99, long Probes, double CpuSeconds, long JitMethods, double JitSeconds);

    /// <summary>One timed pass of each side: the in-process rate and this process's CPU seconds for it; the remote
    /// side's clients, its wall time ("go" to the last client's result) and the server's CPU seconds over it.</summary>
    private sealed record Pass(LocalPass Local, ClientResult[] Clients, double RemoteSeconds, double ServerCpuSeconds, double ServerJitSeconds)
    {
        public double LocalRate => Local.Rate;

        public double LocalCpuSeconds => Local.CpuSeconds;

        public long RemotePoints => Clients.Sum(r => r.Points);

        public double RemoteRate => RemotePoints / RemoteSeconds;

        public double ClientCpuSeconds => Clients.Sum(r => r.CpuSeconds);
    }

    /// <summary>What this process's JIT had compiled at a moment, to tell what it compiled since.</summary>
    private readonly record struct JitMark(long Methods, TimeSpan Time)
    {
        public static JitMark Now() => new(JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());

        public long MethodsSince => JitInfo.GetCompiledMethodCount() - Methods;

        public double SecondsSince => (JitInfo.GetCompilationTime() - Time).TotalSeconds;
    }

    /// <summary>An in-process timed pass: its rate, this process's CPU seconds, and what the tiered JIT compiled meanwhile.</summary>
    private sealed record LocalPass(double Rate, double CpuSeconds, long JitMethods, double JitSeconds);

    /// <summary>The timed passes, in the order they ran, and the server's peak RSS.</summary>
    private sealed record OnlineResult(Pass[] Passes, long ServerPeak);

    public static int Run(Settings s)
    {
        if (s.Connections % s.Clients != 0)
        {
            Console.Error.WriteLine($"engine.bench remote: --connections ({s.Connections}) must be a multiple of --clients ({s.Clients})");
            return 2;
        }

        string root = Path.Combine(s.DataDirectory, $"aimlsm-remote-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        try
        {
            long points = (long)s.Connections * RunsPerConnection * Metrics.Length * Subsets.Length * s.Steps;
            Console.WriteLine($"remote: {s.Connections} connections from {s.Clients} client processes x {RunsPerConnection} runs x " +
                $"{Metrics.Length} metrics x {Subsets.Length} contexts x {s.Steps:N0} steps = {points:N0} float points, {Threads} tracking threads a process");
            Console.WriteLine($"  {MachineInfo.Describe(s.DataDirectory)}");

            OnlineResult online;
            using (Repo local = Repo.Open(Path.Combine(root, "local.aimlsm")))
            {
                int runs = s.Connections * RunsPerConnection;
                int rounds = WarmUp(round => Enumerable.Range(0, runs).Select(r => local.CreateRun(experiment: "remote-bench warm-up", name: $"local {round}.{r}")).ToArray(),
                    (warmUpRuns, steps) => TrackLocal(local, warmUpRuns, steps), s.WarmupSteps);
                Console.WriteLine($"in-process: warmed up in {rounds} round(s)");
                online = Online(root, s, pass => InProcess(local, s, pass));
            }

            ClientResult offline = Offline(root, s);
            string report = Report(s, online, offline);
            Console.WriteLine();
            Console.WriteLine(report);
            if (s.WriteFiles)
            {
                Directory.CreateDirectory(s.ResultsDirectory);
                string file = Path.Combine(s.ResultsDirectory, DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-remote.md");
                File.WriteAllText(file, report);
                Console.WriteLine($"Written {file}");
            }

            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // A child still closing its spool; the data folder is the bench's own.
            }
        }
    }

    /// <summary>
    /// Tracks <paramref name="steps"/> steps into each of a round of runs (<paramref name="createRuns"/>) through
    /// <paramref name="track"/>, the very code the timed passes run (with their latency histograms and probe: methods
    /// only the timed code called were otherwise compiled in the timed part, 18 a client and pass), closes them, and
    /// does it again until the tiered JIT is quiet: a round that
    /// compiled fewer than <see cref="QuietJitMethods"/> methods in this process (<see cref="JitInfo"/>), at most
    /// <see cref="MaxWarmUpRounds"/> rounds. Then it gives the runtime a moment. The timed part that follows then runs
    /// code the tiered JIT has compiled, as a long training process and a long-running server do, rather than paying
    /// for the compilation of a fresh process (the in-process part and every client alike; the server is warmed by
    /// the clients' rounds). One round was not enough: hot methods were still at tier 0 or instrumented in the timed
    /// part (perf), since each tier waits for 30 calls after a quiet 100 ms before the next compilation is queued.
    /// </summary>
    /// <returns>The rounds tracked.</returns>
    private static int WarmUp(Func<int, IRun[]> createRuns, Action<IRun[], int> track, int steps, int maxRounds = MaxWarmUpRounds)
    {
        if (steps == 0)
        {
            return 0;
        }

        int round = 0;
        long compiled = JitInfo.GetCompiledMethodCount();
        while (round < maxRounds)
        {
            IRun[] runs = createRuns(round++);
            track(runs, steps);
            foreach (IRun run in runs)
            {
                run.Dispose();
            }

            long now = JitInfo.GetCompiledMethodCount();
            bool quiet = now - compiled < QuietJitMethods;
            compiled = now;
            if (quiet)
            {
                break;
            }
        }

        Thread.Sleep(WarmUpRest);
        return round;
    }

    /// <summary>A warm-up round that compiled fewer methods than this ends the warm-up.</summary>
    private const int QuietJitMethods = 10;

    /// <summary>The most warm-up rounds, so a process whose JIT never goes quiet still gets timed.</summary>
    private const int MaxWarmUpRounds = 8;

    /// <summary>The pause after the warm-up: the tiered JIT compiles the methods the warm-up made hot in the background.</summary>
    private static readonly TimeSpan WarmUpRest = TimeSpan.FromSeconds(2);

    /// <summary>CPU seconds as microseconds, two decimals.</summary>
    private static string Micros(double seconds) => (seconds * 1e6).ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>User + system time of this process so far, in seconds.</summary>
    private static double CpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>One in-process timed pass into fresh runs of the warm repo: the rate, and the CPU seconds this process
    /// spent reaching it (nothing else runs in it then).</summary>
    /// <summary>Tracks every run from the bench's threads and flushes the repo: the in-process pass, timed or not.</summary>
    private static void TrackLocal(Repo repo, IRun[] runs, int steps)
    {
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (int r = t; r < runs.Length; r += Threads)
            {
                TrackRun(runs[r], steps, null);
            }
        });
        repo.Flush();
    }

    private static LocalPass InProcess(Repo repo, Settings s, int pass)
    {
        int runs = s.Connections * RunsPerConnection;
        var all = new IRun[runs];
        for (int r = 0; r < runs; r++)
        {
            all[r] = repo.CreateRun(experiment: "remote-bench", name: $"local p{pass} r{r}");
        }

        JitMark jit = JitMark.Now();
        double cpu = CpuSeconds();
        var clock = Stopwatch.StartNew();
        TrackLocal(repo, all, s.Steps);
        double seconds = clock.Elapsed.TotalSeconds;
        cpu = CpuSeconds() - cpu;
        foreach (IRun run in all)
        {
            run.Dispose();
        }

        return new LocalPass((double)runs * Metrics.Length * Subsets.Length * s.Steps / seconds, cpu,
            jit.MethodsSince, jit.SecondsSince);
    }

    /// <summary>
    /// Starts the server and the clients, warms them up, then times <see cref="Settings.Passes"/> passes, each an
    /// in-process pass (<paramref name="inProcess"/>) followed by a remote one, every pass starting once all
    /// processes are idle. Interleaved, so that a slow spell of the machine or a compaction falls on both sides
    /// alike: the in-process rate of single runs moved between 2.8M and 5.1M points/s.
    /// </summary>
    private static OnlineResult Online(string root, Settings s, Func<int, LocalPass> inProcess)
    {
        int port = FreePort();
        string tokenFile = Path.Combine(root, "token");
        File.WriteAllText(tokenFile, Token + "\n");
        string repoPath = Path.Combine(root, "server.aimlsm");
        Directory.CreateDirectory(repoPath);
        using var server = Child.Start(Path.Combine(AppContext.BaseDirectory, "aim-server.dll"),
            ["--repo", repoPath, "--writable", "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--token-file", tokenFile]);
        server.WaitFor("serving ");
        var clients = new List<Child>();
        try
        {
            for (int c = 0; c < s.Clients; c++)
            {
                clients.Add(StartClient($"http://127.0.0.1:{port}", s.Connections / s.Clients, s.Steps, s.WarmupSteps, Path.Combine(root, $"spool-{c}")));
            }

            clients.ForEach(c => c.WaitFor("ready"));
            int serverRounds = WarmUpServer(server, clients);
            Console.WriteLine($"remote: the server warmed up in {serverRounds} more round(s) of the clients");
            Console.WriteLine("remote: the clients are warm; timing");
            long points = (long)s.Connections * RunsPerConnection * Metrics.Length * Subsets.Length * s.Steps;
            var passes = new Pass[s.Passes];
            for (int p = 0; p < s.Passes; p++)
            {
                WaitForIdle(() => server.CpuSeconds + CpuSeconds());
                LocalPass local = inProcess(p);
                Console.WriteLine($"pass {p + 1}: in-process {local.Rate:N0} points/s, {Micros(local.CpuSeconds / points)} µs of CPU a point");

                WaitForIdle(() => server.CpuSeconds + CpuSeconds());
                double serverCpu = server.CpuSeconds;
                Dictionary<string, double> serverJit = JitThreadsCpu(server.Id);
                var clock = Stopwatch.StartNew();
                clients.ForEach(c => c.Send("go"));
                ClientResult[] results = clients.Select(c => Parse(c.WaitFor("result "))).ToArray();
                double seconds = clock.Elapsed.TotalSeconds;
                serverCpu = server.CpuSeconds - serverCpu;
                double serverJitSeconds = JitThreadsCpu(server.Id).Sum(t => t.Value - serverJit.GetValueOrDefault(t.Key));
                passes[p] = new Pass(local, results, seconds, serverCpu, serverJitSeconds);
                Pass done = passes[p];
                Console.WriteLine($"pass {p + 1}: remote {done.RemoteRate:N0} points/s acknowledged durable ({done.RemoteRate / local.Rate:P0} of in-process), " +
                    $"{Micros((serverCpu + done.ClientCpuSeconds) / done.RemotePoints)} µs of CPU a point (server {Micros(serverCpu / done.RemotePoints)}, clients {Micros(done.ClientCpuSeconds / done.RemotePoints)})");
                clients.ForEach(c => c.WaitFor("ready"));
            }

            long peak = Child.PeakRss(server.Id);

            // The clients close their runs and connections through the server, so it stops only after they exited.
            clients.ForEach(c => c.Send("done"));
            clients.ForEach(c => c.WaitForExit());
            server.Stop();
            return new OnlineResult(passes, peak);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>
    /// Has every client track one more warm-up round while the server's tiered JIT compiled something in the last
    /// one (the CPU time of its ".NET Tiered Com*" threads, from /proc; at most <see cref="MaxWarmUpRounds"/>): the
    /// clients' own JIT goes quiet sooner than the server's, which was still 9% of the server's CPU in the timed part.
    /// Off Linux it does nothing.
    /// </summary>
    /// <returns>The rounds the clients tracked for it.</returns>
    private static int WarmUpServer(Child server, List<Child> clients)
    {
        int rounds = 0;
        while (rounds < MaxWarmUpRounds && OperatingSystem.IsLinux())
        {
            Dictionary<string, double> before = JitThreadsCpu(server.Id);
            clients.ForEach(c => c.Send("warm"));
            clients.ForEach(c => c.WaitFor("ready"));
            rounds++;
            double compiled = JitThreadsCpu(server.Id).Sum(t => t.Value - before.GetValueOrDefault(t.Key));
            if (compiled < 0.02)
            {
                break;
            }
        }

        return rounds;
    }

    /// <summary>CPU seconds of each live tiered-compilation thread of a process, by thread id (a thread that ended
    /// since is not counted; one that started since counts whole).</summary>
    private static Dictionary<string, double> JitThreadsCpu(int pid)
    {
        var threads = new Dictionary<string, double>();
        try
        {
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    // Fields after the command (which may hold spaces) in its parentheses: utime and stime are 14 and 15.
                    string stat = File.ReadAllText(Path.Combine(task, "stat"));
                    string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    threads[Path.GetFileName(task)] = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
                }
                catch (IOException)
                {
                    // The thread ended meanwhile.
                }
            }
        }
        catch (IOException)
        {
            // The process is gone; the caller finds out.
        }

        return threads;
    }

    /// <summary>
    /// Waits, at most 10 s, until the processes behind <paramref name="cpuSeconds"/> have used less than 20 ms of CPU
    /// in 500 ms: the methods the clients' warm-up made hot are then compiled by the tiered JIT (its background thread
    /// was 9% of the server's CPU in the timed part when timing began right after the warm-up), as in a server that
    /// has been running for a while, and the flushes and compactions the last pass left behind are done rather than
    /// charged to the next.
    /// </summary>
    private static void WaitForIdle(Func<double> cpuSeconds)
    {
        var clock = Stopwatch.StartNew();
        double cpu = cpuSeconds();
        double last = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(500);
            double now = cpuSeconds();
            last = now - cpu;
            if (last < 0.02)
            {
                return;
            }

            cpu = now;
        }

        // Timing anyway, but saying so: what still runs (a compaction, a JIT) falls on the next pass.
        Console.WriteLine($"remote: the processes did not go idle within 10 s (the last 500 ms: {last * 1000:F0} ms of CPU); timing anyway");
    }

    private static ClientResult Offline(string root, Settings s)
    {
        // Nothing listens on this port: every batch goes to the spool.
        using Child client = StartClient($"http://127.0.0.1:{FreePort()}", s.Connections / s.Clients, s.Steps, 0, Path.Combine(root, "spool-offline"), offline: true);
        client.WaitFor("ready");
        client.Send("go");
        ClientResult result = Parse(client.WaitFor("result "));
        client.WaitFor("ready");
        client.Send("done");
        client.WaitForExit();
        return result;
    }

    private static Child StartClient(string url, int connections, int steps, int warmupSteps, string spool, bool offline = false) =>
        Child.Start(Path.Combine(AppContext.BaseDirectory, "AimLsm.Bench.dll"),
            ["remote-client", url, Token, connections.ToString(CultureInfo.InvariantCulture), steps.ToString(CultureInfo.InvariantCulture),
                warmupSteps.ToString(CultureInfo.InvariantCulture), spool, offline ? "offline" : "online"]);

    /// <summary>
    /// The client process: <c>remote-client URL TOKEN CONNECTIONS STEPS WARMUP-STEPS SPOOL online|offline</c>. Connects,
    /// warms up (online: runs of WARMUP-STEPS steps on every connection, flushed), creates the runs, prints
    /// <c>ready</c>; then, for each <c>go</c>, tracks, flushes (online), prints one <c>result</c> line, closes those
    /// runs, creates the next pass's and prints <c>ready</c>; on <c>done</c> it closes its connections and exits.
    /// </summary>
    public static int Client(string[] args)
    {
        if (args is not [string url, string token, string connectionsText, string stepsText, string warmupText, string spool, string mode])
        {
            Console.Error.WriteLine("usage: engine.bench remote-client URL TOKEN CONNECTIONS STEPS WARMUP-STEPS SPOOL online|offline");
            return 2;
        }

        int connections = int.Parse(connectionsText, CultureInfo.InvariantCulture);
        int steps = int.Parse(stepsText, CultureInfo.InvariantCulture);
        int warmup = int.Parse(warmupText, CultureInfo.InvariantCulture);
        bool online = mode == "online";
        var repos = new RemoteRepo[connections];
        for (int c = 0; c < connections; c++)
        {
            repos[c] = RemoteRepo.Connect(new Uri(url), new RemoteRepoOptions
            {
                Token = token,
                SpoolPath = Path.Combine(spool, c.ToString(CultureInfo.InvariantCulture)),
                FlushTimeout = online ? TimeSpan.FromMinutes(5) : TimeSpan.FromSeconds(1),
            });
        }

        // A pass's runs exist on the server before its timing starts, as the in-process pass's runs exist in its repo:
        // a remote CreateRun only queues the operation, so without the flush the server created them in the timed part.
        IRun[] PassRuns(int pass)
        {
            IRun[] created = [.. repos.SelectMany((repo, c) => Enumerable.Range(0, RunsPerConnection).Select(r => repo.CreateRun(experiment: "remote-bench", name: $"pid {Environment.ProcessId} p{pass} c{c} r{r}")))];
            if (online)
            {
                Array.ForEach(repos, repo => repo.Flush());
            }

            return created;
        }

        // The probe has a connection of its own: its Flush then waits for its own point, through a server busy with
        // every other connection, rather than behind this process's whole queue.
        var probeRepo = RemoteRepo.Connect(new Uri(url), new RemoteRepoOptions
        {
            Token = token,
            SpoolPath = Path.Combine(spool, "probe"),
            FlushTimeout = online ? TimeSpan.FromMinutes(5) : TimeSpan.FromSeconds(1),
        });
        IRun probeRun = probeRepo.CreateRun(experiment: "remote-bench", name: "probe");
        int warmRounds = 0;
        IRun[] WarmUpRuns(int round) =>
            [.. repos.SelectMany(repo => Enumerable.Range(0, RunsPerConnection).Select(r => repo.CreateRun(experiment: "remote-bench warm-up", name: $"pid {Environment.ProcessId} {round}.{r}")))];
        void WarmUpPass(IRun[] warmUpRuns, int warmUpSteps) => ClientPass(repos, probeRepo, probeRun, warmUpRuns, warmUpSteps, online);
        if (online)
        {
            warmRounds = WarmUp(WarmUpRuns, WarmUpPass, warmup);
            Console.Error.WriteLine($"warmed up in {warmRounds} round(s)");
        }

        // "warm": one more round, for the server (RemoteBench.WarmUpServer); "go": a timed pass.
        int pass = 0;
        IRun[] runs = PassRuns(pass);
        Console.WriteLine("ready");
        string? command;
        while ((command = Console.ReadLine()) is "warm" or "go")
        {
            if (command == "warm")
            {
                warmRounds += WarmUp(_ => WarmUpRuns(warmRounds), WarmUpPass, warmup, maxRounds: 1);
            }
            else
            {
                Console.WriteLine(ClientPass(repos, probeRepo, probeRun, runs, steps, online));
                Console.Out.Flush();
                if (!online)
                {
                    // Offline there is one pass, and closing a run flushes, which waits out the short timeout: the
                    // runs are closed with their repos, side by side, below.
                    Console.WriteLine("ready");
                    continue;
                }

                foreach (IRun run in runs)
                {
                    run.Dispose();
                }

                runs = PassRuns(++pass);
            }

            Console.WriteLine("ready");
        }

        // Each repo's Dispose closes its runs and flushes once; offline that flush waits out the short timeout, so
        // the repos close side by side rather than one timeout after another.
        var closers = repos.Append(probeRepo).Select(repo => new Thread(() =>
        {
            try
            {
                repo.Dispose();
            }
            catch (TimeoutException) when (!online)
            {
                // Offline: the close waits for a server that never comes, up to the short flush timeout.
            }
        })).ToList();
        closers.ForEach(t => t.Start());
        closers.ForEach(t => t.Join());
        return command == "done" ? 0 : 2;
    }

    /// <summary>A client's pass, timed or warming up: tracks every run from the tracking threads while the probe runs,
    /// flushes (online), and returns the <c>result</c> line.</summary>
    private static string ClientPass(RemoteRepo[] repos, RemoteRepo probeRepo, IRun probeRun, IRun[] runs, int steps, bool online)
    {
        var histograms = Enumerable.Range(0, Threads).Select(_ => new LatencyHistogram()).ToArray();
        var probe = new LatencyHistogram();
        using var done = new CancellationTokenSource();
        Thread? prober = null;
        if (online)
        {
            prober = new Thread(() => Probe(probeRepo, probeRun, probe, done.Token)) { IsBackground = true };
            prober.Start();
        }

        JitMark jit = JitMark.Now();
        double cpu = CpuSeconds();
        var clock = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (int r = t; r < runs.Length; r += Threads)
            {
                TrackRun(runs[r], steps, histograms[t]);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (online)
        {
            foreach (RemoteRepo repo in repos)
            {
                repo.Flush();
            }
        }

        double seconds = clock.Elapsed.TotalSeconds;
        cpu = CpuSeconds() - cpu;
        done.Cancel();
        prober?.Join();
        var track = new LatencyHistogram();
        foreach (LatencyHistogram h in histograms)
        {
            track.Merge(h);
        }

        long points = (long)runs.Length * Metrics.Length * Subsets.Length * steps;
        string result = string.Create(CultureInfo.InvariantCulture,
            $"result {points} {seconds} {track.Percentile(50)} {track.Percentile(99)} {track.Max} {probe.Percentile(50)} {probe.Percentile(99)} {probe.Count} {cpu} " +
            $"{jit.MethodsSince} {jit.SecondsSince}");
        return result;
    }

    // The shape of the track bench: for step, for metric, for context; epoch = step / 100.
    private static void TrackRun(IRun run, int steps, LatencyHistogram? histogram)
    {
        var contexts = Subsets.Select(subset => new Context { ["subset"] = subset }).ToArray();
        int call = 0;
        for (int step = 0; step < steps; step++)
        {
            for (int m = 0; m < Metrics.Length; m++)
            {
                for (int c = 0; c < contexts.Length; c++)
                {
                    double value = 1.0 / (step + 1) + m + c * 0.5;
                    if (histogram is null || ++call < TimedCallEvery)
                    {
                        run.Track(value, Metrics[m], step, step / 100, contexts[c]);
                        continue;
                    }

                    call = 0;
                    long start = Stopwatch.GetTimestamp();
                    run.Track(value, Metrics[m], step, step / 100, contexts[c]);
                    histogram.Record(Nanos(Stopwatch.GetTimestamp() - start));
                }
            }
        }
    }

    /// <summary>
    /// One Track call in this many is timed. Two clock reads per call were a sixth of a client's CPU (perf), charged
    /// to the remote side only (the in-process part times nothing); 7 is prime to the 8 sequences a step, so every
    /// sequence and every position in a batch is sampled alike, and a client still times about 200,000 calls.
    /// </summary>
    private const int TimedCallEvery = 7;

    /// <summary>Stopwatch ticks as nanoseconds; not through a TimeSpan, whose 100 ns ticks would round a Track of
    /// 0.1 to 0.2 µs down to 0.</summary>
    private static long Nanos(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));

    /// <summary>
    /// Milliseconds between two probes of a client. Each probe's Flush seals a batch of one point that the server
    /// commits and acknowledges alone; at 20 ms the 8 probes were 400 such batches a second, more than the 64 data
    /// connections' own (about 640 in all), a load the rate then paid for. 100 ms still takes ~20 probes a client and
    /// pass.
    /// </summary>
    private const int ProbeInterval = 100;

    private static void Probe(RemoteRepo repo, IRun run, LatencyHistogram histogram, CancellationToken stop)
    {
        long step = 0;
        while (!stop.IsCancellationRequested)
        {
            long start = Stopwatch.GetTimestamp();
            run.Track(step, "probe", step);
            repo.Flush();
            histogram.Record(Nanos(Stopwatch.GetTimestamp() - start));
            step++;
            stop.WaitHandle.WaitOne(ProbeInterval);
        }
    }

    private static ClientResult Parse(string line)
    {
        double[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return new ClientResult((long)f[0], f[1], f[2], f[3], f[4], f[5], f[6], (long)f[7], f[8], (long)f[9], f[10]);
    }

    private static string Report(Settings s, OnlineResult result, ClientResult offline)
    {
        Pass[] passes = result.Passes;
        ClientResult[] online = [.. passes.SelectMany(p => p.Clients)];
        long points = passes[0].RemotePoints;
        double local = Median(passes.Select(p => p.LocalRate));
        double remote = Median(passes.Select(p => p.RemoteRate));

        // The goal's figure pairs each remote pass with the in-process pass before it, as the interleaving intends:
        // the median of the per-pass ratios, not a ratio of medians that may come from different passes.
        double ratio = Median(passes.Select(p => p.RemoteRate / p.LocalRate));
        long remotePoints = passes.Sum(p => p.RemotePoints);
        double serverCpu = passes.Sum(p => p.ServerCpuSeconds) / remotePoints;
        double clientCpu = passes.Sum(p => p.ClientCpuSeconds) / remotePoints;
        static string Us(double nanos) => (nanos / 1000).ToString("F2", CultureInfo.InvariantCulture);
        static string Ms(double nanos) => (nanos / 1e6).ToString("F1", CultureInfo.InvariantCulture);
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"# engine.bench remote, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        w.WriteLine();
        w.WriteLine(MachineInfo.Describe(s.DataDirectory));
        w.WriteLine();
        w.WriteLine($"{s.Connections} connections from {s.Clients} client processes, each connection {RunsPerConnection} runs x {Metrics.Length} metrics x " +
            $"{Subsets.Length} contexts x {s.Steps:N0} steps ({points:N0} points a pass); {Threads} tracking threads a process; aim-server --writable in its own process, all on 127.0.0.1. " +
            $"Before the timed parts, rounds of {s.WarmupSteps:N0} steps a sequence of warm-up runs in-process and through every client (--warmup-steps) until the tiered JIT is quiet. " +
            $"Then {s.Passes} timed passes (--passes), each in-process then remote, each starting when every process is idle; rates are the medians of the passes. " +
            "CPU is user + system time of the processes over the timed parts, all passes.");
        w.WriteLine();
        w.WriteLine("| pass | in-process points/s | remote points/s | remote / in-process | CPU a point: in-process / server + clients |");
        w.WriteLine("|---:|---:|---:|---:|---|");
        for (int p = 0; p < passes.Length; p++)
        {
            Pass x = passes[p];
            w.WriteLine($"| {p + 1} | {x.LocalRate:N0} | {x.RemoteRate:N0} | {x.RemoteRate / x.LocalRate:P0} | " +
                $"{Micros(x.LocalCpuSeconds / points)} / {Micros(x.ServerCpuSeconds / x.RemotePoints)} + {Micros(x.ClientCpuSeconds / x.RemotePoints)} µs |");
        }

        w.WriteLine();
        w.WriteLine("| figure | value | goal |");
        w.WriteLine("|---|---:|---|");
        w.WriteLine($"| in-process `track` rate, same shape, 4 threads, until Repo.Flush (median) | {local:N0} points/s | |");
        w.WriteLine($"| remote rate, acknowledged durable (median) | {remote:N0} points/s | |");
        w.WriteLine($"| remote / in-process, median of the passes' ratios | {ratio:P0} | >= 50% |");
        w.WriteLine($"| CPU (user + system) a point, in-process | {Micros(passes.Sum(p => p.LocalCpuSeconds) / (points * passes.Length))} µs | |");
        w.WriteLine($"| CPU a point, remote: server + clients | {Micros(serverCpu)} + {Micros(clientCpu)} = {Micros(serverCpu + clientCpu)} µs | |");
        w.WriteLine($"| Track on the calling thread, median of the client processes' medians | {Us(Median(online.Select(r => r.TrackP50)))} µs | <= 1 µs |");
        w.WriteLine($"| Track on the calling thread, worst client's p99 | {Us(online.Max(r => r.TrackP99))} µs | <= 50 µs |");
        w.WriteLine($"| Track while the server is down (spooling): p50 / p99 / max | {Us(offline.TrackP50)} / {Us(offline.TrackP99)} / {Us(offline.TrackMax)} µs | <= 1 / 50 µs |");
        w.WriteLine($"| Track to durable acknowledgement (probe, {online.Sum(r => r.Probes)} probes): p50 / p99 | {Ms(Median(online.Select(r => r.ProbeP50)))} / {Ms(online.Max(r => r.ProbeP99))} ms | Aim: ~150 ms a track |");
        w.WriteLine($"| server peak RSS (VmHWM) | {result.ServerPeak / 1048576.0:F0} MB | bounded |");
        w.WriteLine();
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"The tiered JIT during the timed passes (all passes): in-process {passes.Sum(p => p.Local.JitMethods)} methods, {passes.Sum(p => p.Local.JitSeconds) * 1000:F0} ms; " +
            $"clients {online.Sum(c => c.JitMethods)} methods, {online.Sum(c => c.JitSeconds) * 1000:F0} ms in all; the server's compilation threads {passes.Sum(p => p.ServerJitSeconds) * 1000:F0} ms of CPU."));
        return w.ToString();
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n == 0 ? 0 : n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A child process speaking one line per event on stdout.</summary>
    private sealed class Child : IDisposable
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
        private readonly Process _process;
        private readonly System.Collections.Concurrent.BlockingCollection<string> _lines = [];

        private Child(Process process) => _process = process;

        public int Id => _process.Id;

        /// <summary>User + system time of the live process so far, in seconds.</summary>
        public double CpuSeconds
        {
            get
            {
                _process.Refresh();
                return _process.TotalProcessorTime.TotalSeconds;
            }
        }

        public static Child Start(string dll, string[] args)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            psi.ArgumentList.Add(dll);
            foreach (string a in args)
            {
                psi.ArgumentList.Add(a);
            }

            var child = new Child(Process.Start(psi)!);
            child._process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    child._lines.CompleteAdding();
                }
                else
                {
                    child._lines.Add(e.Data);
                }
            };
            child._process.BeginOutputReadLine();
            return child;
        }

        public string WaitFor(string prefix)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < Timeout && _lines.TryTake(out string? line, Timeout - clock.Elapsed))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line[prefix.Length..];
                }
            }

            throw new InvalidOperationException($"engine.bench remote: process {Id} printed no '{prefix}' line within {Timeout.TotalMinutes} min (exited: {_process.HasExited})");
        }

        public void Send(string line)
        {
            _process.StandardInput.WriteLine(line);
            _process.StandardInput.Flush();
        }

        /// <summary>VmHWM of a live process, in bytes (0 where /proc is missing).</summary>
        public static long PeakRss(int pid)
        {
            string status = $"/proc/{pid}/status";
            if (!File.Exists(status))
            {
                return 0;
            }

            string? line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }

        /// <summary>Waits for the process to exit by itself (it printed its result and is closing).</summary>
        public void WaitForExit()
        {
            if (!_process.WaitForExit(Timeout))
            {
                throw new InvalidOperationException($"engine.bench remote: process {Id} did not exit within {Timeout.TotalMinutes} min of its result");
            }
        }

        /// <summary>Asks the process to stop (SIGTERM: aim-server closes its repo and exits, and a trace taken with
        /// EventPipe is written out), waits for it, and kills it if it has not exited within 30 s.</summary>
        public void Stop()
        {
            if (!OperatingSystem.IsWindows())
            {
                using Process? kill = Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)]);
                kill?.WaitForExit();
                if (_process.WaitForExit(TimeSpan.FromSeconds(30)))
                {
                    return;
                }
            }

            Kill();
        }

        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public void Dispose()
        {
            try
            {
                if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
            }

            _process.Dispose();
        }
    }
}
