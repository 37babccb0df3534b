using System.Diagnostics;
using AimLsm.Bench.DbBench;
using AimLsm.Streaming;
using AimLsm.Tree;

namespace AimLsm.Bench.Track;

/// <summary>
/// The <c>track --variant</c> workloads, AimLsm only, through the public tree API, each in a fresh folder deleted
/// afterwards:
/// <list type="bullet">
/// <item><c>order</c> (issue 14.5): one float sequence of <c>--steps</c> steps tracked in order, in a random
/// permutation and in Aim's usual late pattern (every 100th step arrives 1,000 steps late); ingest time until
/// <see cref="Repo.Flush"/> returns, per point and as a ratio to the in-order cost, peak RSS, and a checked read;</item>
/// <item><c>long</c> (issue 20.5): one float sequence of <c>--steps</c> steps; whole read, a 500-point LTTB sample
/// (<see cref="SequenceSampler.Sample(Sequence, int, long, long, SamplingMethod)"/>) and a <c>record_range</c> window of
/// 10,000 steps at a random place, each p50 after a warm-up;</item>
/// <item><c>many</c> (issue 14.4): <c>--sequences</c> sequences in one run, 10 steps each, step-major; peak RSS
/// (VmHWM) while tracking and the managed heap left after the repo is closed.</item>
/// </list>
/// </summary>
internal static class TrackVariants
{
    public static int Run(TrackOptions o)
    {
        string dir = Path.Combine(o.DataDirectory, $"aimlsm-variant-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        try
        {
            switch (o.Variant)
            {
                case "order": Order(dir, o.VariantSteps); break;
                case "long": Long(dir, o.VariantSteps); break;
                case "many": Many(dir, o.Sequences); break;
                default: throw new ArgumentException($"Unknown variant '{o.Variant}'.");
            }
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        return 0;
    }

    /// <summary>The steps 0 .. n - 1 in the three arrival orders of the <c>order</c> variant.</summary>
    public static long[] Arrival(string order, int n)
    {
        var steps = new long[n];
        switch (order)
        {
            case "in order" or "in order (again)":
                for (int i = 0; i < n; i++)
                {
                    steps[i] = i;
                }

                break;
            case "random":
                for (int i = 0; i < n; i++)
                {
                    steps[i] = i;
                }

                new Random(14).Shuffle(steps);
                break;
            default:
                // Every 100th step (an evaluation) arrives after the step 1,000 later: Aim's usual late point.
                int k = 0;
                for (long s = 0; s < n + 1000; s++)
                {
                    if (s < n && s % 100 != 0)
                    {
                        steps[k++] = s;
                    }

                    long late = s - 1000;
                    if (late >= 0 && late < n && late % 100 == 0)
                    {
                        steps[k++] = late;
                    }
                }

                Debug.Assert(k == n);
                break;
        }

        return steps;
    }

    /// <summary>A float32 loss curve (what ML metrics are), as a double.</summary>
    private static double Curve(long step) => (float)TrackShape.Value(0, 0, 0, step);

    private static void Order(string dir, int n)
    {
        Console.WriteLine($"track --variant order: one float sequence of {n:N0} steps, tracked from one thread, until Repo.Flush() returns");
        // CPU time (all threads: the caller's and the background writer's) beside wall time: on a shared machine
        // the wall clock measures the neighbours too.
        Console.WriteLine("| arrival order | s | ns/point | points/s | x in-order cost | CPU ns/point | x in-order CPU | peak RSS MB | managed heap after MB |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        // Repo.Open creates the repo's own folder only (issue 14.3): the variant's folder holds one repo per order.
        Directory.CreateDirectory(dir);
        // Warm-up: the JIT compiles the tracking path (and its late-point branch) before anything is timed.
        string warm = Path.Combine(dir, "warm");
        using (Repo repo = Repo.Open(warm))
        {
            using Run run = repo.CreateRun(name: "warm-up");
            Sequence loss = run.GetSequence("loss");
            foreach (long step in Arrival("late", 50_000))
            {
                loss.Track(Curve(step), step, step / 100);
            }

            foreach (long step in Arrival("random", 20_000))
            {
                loss.Track(Curve(step), step, step / 100);
            }
        }

        Directory.Delete(warm, recursive: true);
        // In order first and last: the reference is the cheaper of the two, so that no warm-up effect flatters the
        // ratios of the others.
        string[] orders = ["in order", "random", "late (every 100th step 1,000 late)", "in order (again)"];
        var rows = new List<(string Order, double Seconds, double Ns, double CpuNs, long Peak, long Heap)>();
        foreach (string order in orders)
        {
            long[] arrival = Arrival(order, n);
            string path = Path.Combine(dir, $"order-{rows.Count}");
            GC.Collect();
            ProcessStats.ResetPeakRss();
            double seconds;
            using (Repo repo = Repo.Open(path))
            {
                using Run run = repo.CreateRun(name: "order");
                Sequence loss = run.GetSequence("loss");
                TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                long start = Stopwatch.GetTimestamp();
                foreach (long step in arrival)
                {
                    loss.Track(Curve(step), step, step / 100);
                }

                repo.Flush();
                seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                double cpuNs = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds * 1e6 / n;
                long peak = ProcessStats.PeakRss();
                SequenceData d = loss.Read();
                if (d.Count != n)
                {
                    throw new InvalidDataException($"{order}: read {d.Count} points, expected {n}.");
                }

                for (int i = 0; i < n; i++)
                {
                    if (d.Steps[i] != i || d.Numbers![i] != Curve(i))
                    {
                        throw new InvalidDataException($"{order}: point {i} is step {d.Steps[i]} = {d.Numbers![i]}.");
                    }
                }

                rows.Add((order, seconds, seconds * 1e9 / n, cpuNs, peak, GC.GetTotalMemory(true)));
            }

            Directory.Delete(path, recursive: true);
        }

        double inOrder = Math.Min(rows[0].Ns, rows[^1].Ns), inOrderCpu = Math.Min(rows[0].CpuNs, rows[^1].CpuNs);
        foreach (var r in rows)
        {
            Console.WriteLine($"| {r.Order} | {r.Seconds:F2} | {r.Ns:F0} | {n / r.Seconds:N0} | {r.Ns / inOrder:F2} | {r.CpuNs:F0} | {r.CpuNs / inOrderCpu:F2} | {r.Peak / 1048576.0:F0} | {r.Heap / 1048576.0:F0} |");
        }
    }

    private static void Long(string dir, int n)
    {
        Console.WriteLine($"track --variant long: one float32 metric of {n:N0} steps, tracked in order, read through a read-only repo");
        string hash;
        using (Repo repo = Repo.Open(dir))
        {
            using Run run = repo.CreateRun(name: "long");
            hash = run.Hash;
            Sequence loss = run.GetSequence("loss");
            for (long step = 0; step < n; step++)
            {
                loss.Track(Curve(step), step, step / 100);
            }
        }

        using Repo reader = Repo.OpenReadOnly(dir);
        Sequence seq = reader.GetRun(hash).GetSequence("loss");
        var random = new Random(20);
        int window = Math.Min(10_000, n);
        (double, double) Whole() => Time(() => Check(seq.Read().Count == n, "whole read"));
        (double, double) WholeColumns() => Time(() =>
        {
            SequenceData d = seq.Read();
            Check(d.Epochs.Length == n && d.Timestamps.Length == n && d.Numbers!.Length == n, "whole read");
        });
        (double, double) Lttb() => Time(() => Check(SequenceSampler.Sample(seq, 500).Count <= 500, "LTTB sample"));
        (double, double) Uniform() => Time(() => Check(seq.Sample(500).Count == Math.Min(500, n), "uniform sample"));
        (double, double) Window()
        {
            long from = random.NextInt64(n - window + 1);
            return Time(() => Check(seq.Read(from, from + window).Count == window, "window"));
        }

        // Warm-up until the JIT is quiet (as the main track bench), then the timed reads.
        var watch = Stopwatch.StartNew();
        long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        TimeSpan quietSince = TimeSpan.Zero;
        while (watch.Elapsed < TimeSpan.FromSeconds(10) && !(watch.Elapsed >= TimeSpan.FromSeconds(1) && watch.Elapsed - quietSince >= TimeSpan.FromMilliseconds(250)))
        {
            Whole();
            WholeColumns();
            Lttb();
            Uniform();
            Window();
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                (compiled, quietSince) = (now, watch.Elapsed);
            }
        }

        // CPU time (process-wide, so the GC's threads count) beside wall time: on a loaded machine the wall clock
        // measures the neighbours too.
        Console.WriteLine("| read | p50 ms | p99 ms | CPU p50 ms | reads |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        Row("whole sequence (steps and values used)", Repeat(20, Whole));
        Row("whole sequence, all four columns used", Repeat(20, WholeColumns));
        Row("500-point LTTB sample", Repeat(50, Lttb));
        Row("500-point uniform sample (Sequence.Sample)", Repeat(50, Uniform));
        Row($"record_range window of {window:N0} steps", Repeat(200, Window));
    }

    private static void Many(string dir, int sequences)
    {
        const int Steps = 10;
        Console.WriteLine($"track --variant many: {sequences:N0} float sequences in one run, {Steps} steps each, step-major");
        GC.Collect();
        ProcessStats.ResetPeakRss();
        long start = Stopwatch.GetTimestamp();
        var names = new string[sequences];
        for (int i = 0; i < sequences; i++)
        {
            names[i] = $"metric_{i}";
        }

        // The managed heap's share of the peak: sampled every 20 ms while tracking (GC committed bytes).
        long heapPeak = 0, liveTracking;
        using var stop = new CancellationTokenSource();
        var sampler = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                heapPeak = Math.Max(heapPeak, GC.GetGCMemoryInfo().TotalCommittedBytes);
                Thread.Sleep(20);
            }
        }) { IsBackground = true };
        sampler.Start();
        using (Repo repo = Repo.Open(dir))
        {
            using Run run = repo.CreateRun(name: "many");
            for (long step = 0; step < Steps; step++)
            {
                for (int i = 0; i < sequences; i++)
                {
                    run.Track(Curve(step + i), names[i], step);
                }
            }

            run.Flush();
            liveTracking = GC.GetTotalMemory(forceFullCollection: true);
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        stop.Cancel();
        sampler.Join();
        long peak = ProcessStats.PeakRss();
        long live = GC.GetTotalMemory(forceFullCollection: true);
        long points = (long)sequences * Steps;
        Console.WriteLine("| sequences | points | s | points/s | peak RSS MB | peak GC committed MB | live heap after the last point MB | live heap after close MB |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine($"| {sequences:N0} | {points:N0} | {seconds:F2} | {points / seconds:N0} | {peak / 1048576.0:F0} | {heapPeak / 1048576.0:F0} | {liveTracking / 1048576.0:F0} | {live / 1048576.0:F1} |");
    }

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidDataException($"The {what} returned a wrong number of points.");
        }
    }

    /// <summary>Wall and process CPU milliseconds of one read.</summary>
    private static (double Wall, double Cpu) Time(Action read)
    {
        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        long t0 = Stopwatch.GetTimestamp();
        read();
        double wall = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        return (wall, (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds);
    }

    private static (double[] Wall, double[] Cpu) Repeat(int times, Func<(double, double)> read)
    {
        var wall = new double[times];
        var cpu = new double[times];
        for (int i = 0; i < times; i++)
        {
            (wall[i], cpu[i]) = read();
        }

        return (wall, cpu);
    }

    private static void Row(string what, (double[] Wall, double[] Cpu) ms) =>
        Console.WriteLine($"| {what} | {TrackResult.Percentile(ms.Wall, 50):F3} | {TrackResult.Percentile(ms.Wall, 99):F3} | {TrackResult.Percentile(ms.Cpu, 50):F2} | {ms.Wall.Length} |");
}
