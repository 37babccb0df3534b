using System.Diagnostics;
using AimLsm.Bench.Cli;
using AimLsm.Bench.DbBench;

namespace AimLsm.Bench.Track;

/// <summary>
/// Runs the <c>track</c> workload on each engine in turn, in one process, each in a fresh directory deleted
/// afterwards: timed ingest from <see cref="TrackShape.Threads"/> threads, clean close, size on disk, reopen, timed
/// reads (every read checked against the written values, untimed), full compaction, size on disk again.
/// </summary>
internal sealed class TrackRunner(TrackOptions options)
{
    private readonly TrackShape _shape = new(options.Runs, options.Steps, options.Threads, options.Values);

    public TrackShape Shape => _shape;

    public List<TrackResult> Results { get; } = [];

    public Dictionary<string, string> EngineSettings { get; } = [];

    /// <summary>Engines that threw, with the exception, so the report can say so.</summary>
    public Dictionary<string, Exception> Failures { get; } = [];

    public ITrackEngine Create(string name) => name switch
    {
        "aimlsm" => new AimLsmTrackEngine(_shape),
        "rocksdb" => new RocksDbAimLayoutEngine(_shape),
        "sqlite" => new SqliteMlflowEngine(_shape),
        _ => throw new ArgumentException($"Unknown engine '{name}'."),
    };

    public void Run(Action<TrackResult> onResult)
    {
        foreach (string name in options.Engines)
        {
            ITrackEngine engine = Create(name);
            EngineSettings[name] = engine.Settings;
            string dir = Path.Combine(options.DataDirectory, $"aimlsm-track-{name}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
            Directory.CreateDirectory(dir);
            try
            {
                TrackResult r = RunOne(engine, dir);
                Results.Add(r);
                onResult(r);
            }
            catch (Exception e)
            {
                Failures[name] = e;
                Console.Error.WriteLine($"  {name} FAILED: {e}");
            }
            finally
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException e)
                {
                    Console.Error.WriteLine($"warning: could not delete {dir}: {e.Message}");
                }
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    private TrackResult RunOne(ITrackEngine engine, string dir)
    {
        Console.WriteLine($"# {engine.Name}");
        engine.Create(dir);

        // ---- ingest ----
        ProcessStats.SettleDisk();
        ProcessStats.ResetPeakRss();
        GC.Collect();
        long allocBefore = ProcessStats.AllocatedBytes();
        double ingest, end;
        using (var progress = new OpsProgress($"{engine.Name} track x{_shape.Threads}", _shape.Points, unit: "points"))
        {
            using var ready = new Barrier(_shape.Threads + 1);
            var failures = new List<Exception>();
            var threads = new Thread[_shape.Threads];
            for (int t = 0; t < threads.Length; t++)
            {
                int thread = t;
                threads[t] = new Thread(() =>
                {
                    ready.SignalAndWait();
                    try
                    {
                        Track(engine, thread, progress);
                    }
                    catch (Exception ex)
                    {
                        lock (failures)
                        {
                            failures.Add(ex);
                        }
                    }
                })
                { Name = $"track-{t}", IsBackground = true };
                threads[t].Start();
            }
            ready.SignalAndWait();
            long start = Stopwatch.GetTimestamp();
            foreach (Thread t in threads)
            {
                t.Join();
            }
            if (failures.Count > 0)
            {
                throw new AggregateException($"{engine.Name} ingest failed", failures);
            }
            long endStart = Stopwatch.GetTimestamp();
            engine.EndIngest();
            ingest = Stopwatch.GetElapsedTime(start).TotalSeconds;
            end = Stopwatch.GetElapsedTime(endStart).TotalSeconds;
        }
        long allocated = ProcessStats.AllocatedBytes() - allocBefore;
        long peakRss = ProcessStats.PeakRss();
        Console.WriteLine($"  ingest {_shape.Points:N0} points in {ingest:F2} s = {_shape.Points / ingest:N0} points/s (final durability step {end * 1000:F0} ms), " +
                          $"peak RSS {peakRss / 1048576.0:F0} MB, {(double)allocated / _shape.Points:F0} B allocated/point");

        long closeStart = Stopwatch.GetTimestamp();
        engine.Close();
        double close = Stopwatch.GetElapsedTime(closeStart).TotalSeconds;
        long bytesClosed = ProcessStats.DirectorySize(dir);
        string closedFiles = Breakdown(dir);
        Console.WriteLine($"  closed in {close:F2} s: {bytesClosed / 1048576.0:F1} MB on disk = {(double)bytesClosed / _shape.Points:F2} B/point ({closedFiles})");

        // ---- reads ----
        engine.OpenForReads();
        var first = _shape.Picks(2, seed: 4);
        long t0 = Stopwatch.GetTimestamp();
        SeriesData d = engine.ReadWhole(first[0].Run, first[0].Metric, first[0].Context);
        double firstWhole = Ms(t0);
        VerifyWhole(engine.Name, first[0], d);
        t0 = Stopwatch.GetTimestamp();
        d = engine.ReadSample(first[1].Run, first[1].Metric, first[1].Context, options.SamplePoints);
        double firstSample = Ms(t0);
        VerifySample(engine.Name, first[1], d);

        // Warm-up on other sequences, until steady state: at least 0.6 s, and until the JIT has compiled nothing for
        // 250 ms (at most 10 s). Ingest leaves hundreds of its methods queued for tier-1 compilation; on 2 cores that
        // background JIT ran into the timed reads and left the read path at tier 0 for part of them, which made the
        // medians swing 3x between identical runs (it vanished with DOTNET_TC_CallCountingDelayMs=0).
        var warm = _shape.Picks(options.Reads, seed: 3);
        var watch = Stopwatch.StartNew();
        long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        TimeSpan quietSince = TimeSpan.Zero;
        while (true)
        {
            foreach (var p in warm)
            {
                engine.ReadWhole(p.Run, p.Metric, p.Context);
                engine.ReadSample(p.Run, p.Metric, p.Context, options.SamplePoints);
            }

            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                compiled = now;
                quietSince = watch.Elapsed;
            }

            if (watch.Elapsed >= TimeSpan.FromSeconds(10) ||
                (watch.Elapsed >= TimeSpan.FromMilliseconds(600) && watch.Elapsed - quietSince >= TimeSpan.FromMilliseconds(250)))
            {
                break;
            }
        }

        GC.Collect();
        var wholePicks = _shape.Picks(options.Reads, seed: 1);
        double[] whole = new double[wholePicks.Length];
        for (int i = 0; i < wholePicks.Length; i++)
        {
            var p = wholePicks[i];
            t0 = Stopwatch.GetTimestamp();
            d = engine.ReadWhole(p.Run, p.Metric, p.Context);
            whole[i] = Ms(t0);
            VerifyWhole(engine.Name, p, d);
        }
        var samplePicks = _shape.Picks(options.Reads, seed: 2);
        double[] sample = new double[samplePicks.Length];
        long samplePoints = 0;
        for (int i = 0; i < samplePicks.Length; i++)
        {
            var p = samplePicks[i];
            t0 = Stopwatch.GetTimestamp();
            d = engine.ReadSample(p.Run, p.Metric, p.Context, options.SamplePoints);
            sample[i] = Ms(t0);
            VerifySample(engine.Name, p, d);
            samplePoints += d.Count;
        }
        // Hot: the same sequence read again right away, so everything it needs is in the engine's caches.
        double[] hotWhole = Hot(wholePicks, p => engine.ReadWhole(p.Run, p.Metric, p.Context));
        double[] hotSample = Hot(samplePicks, p => engine.ReadSample(p.Run, p.Metric, p.Context, options.SamplePoints));
        engine.CloseReads();
        Console.WriteLine($"  hot (same sequence re-read): whole p50 {TrackResult.Percentile(hotWhole, 50):F4} ms, sample p50 {TrackResult.Percentile(hotSample, 50):F4} ms");
        Console.WriteLine($"  reads: first whole {firstWhole:F3} ms, first sample {firstSample:F3} ms; whole p50 {TrackResult.Percentile(whole, 50):F4} ms " +
                          $"p99 {TrackResult.Percentile(whole, 99):F4} ms; sample p50 {TrackResult.Percentile(sample, 50):F4} ms p99 {TrackResult.Percentile(sample, 99):F4} ms " +
                          $"({(double)samplePoints / sample.Length:F0} points)");

        // ---- full compaction ----
        long bytesCompacted = -1;
        double compact = 0;
        string how = "", compactedFiles = "";
        if (options.Compact)
        {
            long cs = Stopwatch.GetTimestamp();
            how = engine.CompactOffline();
            compact = Stopwatch.GetElapsedTime(cs).TotalSeconds;
            bytesCompacted = ProcessStats.DirectorySize(dir);
            compactedFiles = Breakdown(dir);
            Console.WriteLine($"  compacted ({how}) in {compact:F2} s: {bytesCompacted / 1048576.0:F1} MB = {(double)bytesCompacted / _shape.Points:F2} B/point ({compactedFiles})");
        }

        return new TrackResult
        {
            Engine = engine.Name,
            Points = _shape.Points,
            IngestSeconds = ingest,
            EndSeconds = end,
            CloseSeconds = close,
            BytesClosed = bytesClosed,
            BytesCompacted = bytesCompacted,
            CompactSeconds = compact,
            CompactHow = how,
            FirstWholeMs = firstWhole,
            FirstSampleMs = firstSample,
            WholeMs = whole,
            SampleMs = sample,
            MeanSamplePoints = (double)samplePoints / sample.Length,
            HotWholeMs = hotWhole,
            HotSampleMs = hotSample,
            PeakRssBytes = peakRss,
            AllocatedBytesPerPoint = (double)allocated / _shape.Points,
            Notes = engine.Notes,
            ClosedFiles = closedFiles,
            CompactedFiles = compactedFiles,
        };
    }

    /// <summary>One worker: its runs one after another, each step-major like a training loop.</summary>
    private void Track(ITrackEngine engine, int thread, OpsProgress progress)
    {
        int perStep = _shape.SequencesPerRun;
        foreach (int run in _shape.RunsOf(thread))
        {
            using IRunWriter w = engine.StartRun(thread, run);
            long unpublished = 0;
            for (long step = 0; step < _shape.Steps; step++)
            {
                long epoch = TrackShape.Epoch(step);
                for (int m = 0; m < TrackShape.Metrics.Length; m++)
                {
                    for (int c = 0; c < TrackShape.Contexts.Length; c++)
                    {
                        w.Track(m, c, step, epoch, _shape.ValueOf(run, m, c, step));
                    }
                }
                unpublished += perStep;
                if (unpublished >= 4096)
                {
                    progress.Add(unpublished);
                    unpublished = 0;
                }
            }
            progress.Add(unpublished);
        }
    }

    /// <summary>Bytes on disk by kind of file (extension, else the name up to its first '-'), largest first.</summary>
    private static string Breakdown(string dir)
    {
        var kinds = new Dictionary<string, (long Bytes, int Files)>(StringComparer.Ordinal);
        foreach (string f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            string name = Path.GetFileName(f);
            string ext = Path.GetExtension(name);
            string kind = name.StartsWith("LOG", StringComparison.Ordinal) ? "LOG*" : ext.Length > 0 ? ext : name.Split('-')[0];
            long length = new FileInfo(f).Length;
            kinds[kind] = kinds.TryGetValue(kind, out var k) ? (k.Bytes + length, k.Files + 1) : (length, 1);
        }
        return string.Join(", ", kinds.OrderByDescending(k => k.Value.Bytes)
            .Select(k => $"{k.Key} {k.Value.Files} file{(k.Value.Files == 1 ? "" : "s")} {k.Value.Bytes / 1048576.0:F1} MB"));
    }

    /// <summary>For up to 50 of the picks: one untimed read, then 4 timed re-reads of the same sequence.</summary>
    private static double[] Hot((int Run, int Metric, int Context)[] picks, Func<(int Run, int Metric, int Context), SeriesData> read)
    {
        var times = new List<double>();
        foreach (var p in picks.Take(50))
        {
            read(p);
            for (int i = 0; i < 4; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                read(p);
                times.Add(Ms(t0));
            }
        }
        return [.. times];
    }

    private static double Ms(long start) => Stopwatch.GetElapsedTime(start).TotalMilliseconds;

    private void VerifyWhole(string engine, (int Run, int Metric, int Context) p, SeriesData d)
    {
        if (d.Count != _shape.Steps)
        {
            throw new InvalidDataException($"{engine}: run {p.Run} {TrackShape.Metrics[p.Metric]}|{TrackShape.Contexts[p.Context]} read {d.Count} points, expected {_shape.Steps}.");
        }
        for (int i = 0; i < d.Count; i++)
        {
            if (d.Steps[i] != i || d.Values[i] != _shape.ValueOf(p.Run, p.Metric, p.Context, i))
            {
                throw new InvalidDataException($"{engine}: run {p.Run} {TrackShape.Metrics[p.Metric]}|{TrackShape.Contexts[p.Context]} point {i} is step {d.Steps[i]} = {d.Values[i]}.");
            }
        }
    }

    private void VerifySample(string engine, (int Run, int Metric, int Context) p, SeriesData d)
    {
        int expectedMax = Math.Min(options.SamplePoints, _shape.Steps) + 1;
        if (d.Count < Math.Min(2, _shape.Steps) || d.Count > expectedMax)
        {
            throw new InvalidDataException($"{engine}: a {options.SamplePoints}-point sample of run {p.Run} returned {d.Count} points.");
        }
        for (int i = 0; i < d.Count; i++)
        {
            if ((i > 0 && d.Steps[i] <= d.Steps[i - 1]) || d.Values[i] != _shape.ValueOf(p.Run, p.Metric, p.Context, d.Steps[i]))
            {
                throw new InvalidDataException($"{engine}: sample point {i} of run {p.Run} is step {d.Steps[i]} = {d.Values[i]}.");
            }
        }
    }
}
