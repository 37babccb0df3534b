using System.Diagnostics;
using AimLsm.Bench.Cli;

namespace AimLsm.Bench.DbBench;

/// <summary>
/// Runs the selected workloads on each engine in turn, in one process, on the same keys and values.
/// Per engine: the fill workloads each on a fresh database; then one database loaded with fillseq and flushed, on
/// which the read workloads run (once per thread count), then overwrite, then readwhilewriting.
/// Every database lives in its own fresh directory, deleted when the engine is done with it.
/// </summary>
internal sealed class DbBenchRunner
{
    private readonly BenchOptions _o;
    private readonly KeyValueGenerator _gen;
    private readonly List<WorkloadResult> _results = [];

    /// <summary>Untimed operations a read workload runs before it is measured (at most a tenth of --num).</summary>
    public const long WarmupOps = 100_000;

    /// <summary>The least time a read workload's warm-up lasts, so that the JIT has moved its code to tier 1.</summary>
    public static readonly TimeSpan WarmupTime = TimeSpan.FromMilliseconds(500);

    public DbBenchRunner(BenchOptions options)
    {
        _o = options;
        _gen = new KeyValueGenerator(options.KeySize, options.ValueSize);
    }

    /// <summary>Results in the order of the workload list, then thread count, then engine.</summary>
    public IReadOnlyList<WorkloadResult> Results =>
    [
        .. _results
            .OrderBy(r => Array.IndexOf(BenchOptions.AllWorkloads, r.Workload))
            .ThenBy(r => r.Threads)
            .ThenBy(r => _o.Engines.ToList().IndexOf(r.Engine)),
    ];

    public Dictionary<string, string> EngineSettings { get; } = [];

    public static IKvEngine Create(string name, string directory) => name switch
    {
        "aimlsm" => new AimLsmEngine(directory),
        "rocksdb" => new RocksDbEngine(directory),
        "zonetree" => new ZoneTreeEngine(directory),
        _ => throw new ArgumentException($"Unknown engine '{name}'."),
    };

    private bool Wants(string workload) => _o.Workloads.Contains(workload);

    public void Run(Action<WorkloadResult> onResult)
    {
        foreach (string engine in _o.Engines)
        {
            Console.WriteLine($"# {engine}");
            void Add(WorkloadResult? r)
            {
                if (r is not null)
                {
                    _results.Add(r);
                    onResult(r);
                }
            }

            foreach (int t in _o.WriteThreads)
            {
                if (Wants("fillseq") && t > 1)
                {
                    // One thread's fillseq is the load of the read database below.
                    Add(Fresh(engine, e => Fill(e, "fillseq", _o.Num, random: false, sync: false, threads: t)));
                }
                if (Wants("fillrandom"))
                {
                    Add(Fresh(engine, e => Fill(e, "fillrandom", _o.Num, random: true, sync: false, threads: t)));
                }
                if (Wants("fillbatch"))
                {
                    Add(Fresh(engine, e => FillBatch(e, t)));
                }
            }
            if (Wants("fillsync"))
            {
                Add(Fresh(engine, e => Fill(e, "fillsync", _o.NumSync, random: true, sync: true, threads: 1)));
                Add(Fresh(engine, e => Fill(e, "fillsync", _o.NumSync, random: true, sync: true, threads: _o.SyncThreads)));
            }

            bool reads = _o.Workloads.Any(w => w is "readrandom" or "readseq" or "readreverse" or "seekrandom" or "overwrite" or "readwhilewriting");
            if (!Wants("fillseq") && !reads)
            {
                continue;
            }
            string dir = NewDirectory(engine);
            try
            {
                using IKvEngine e = Create(engine, dir);
                EngineSettings[engine] = e.Settings;
                WorkloadResult load = Fill(e, "fillseq", _o.Num, random: false, sync: false, threads: 1, load: true);
                if (Wants("fillseq") && _o.WriteThreads.Contains(1))
                {
                    Add(load);
                }
                foreach (int t in _o.Threads)
                {
                    if (Wants("readrandom"))
                    {
                        Add(ReadRandom(e, t));
                    }
                    if (Wants("readseq"))
                    {
                        Add(Scan(e, "readseq", t, forward: true));
                    }
                    if (Wants("readreverse"))
                    {
                        Add(Scan(e, "readreverse", t, forward: false));
                    }
                    if (Wants("seekrandom"))
                    {
                        Add(SeekRandom(e, t));
                    }
                }
                if (Wants("overwrite"))
                {
                    foreach (int t in _o.WriteThreads)
                    {
                        Add(Fill(e, "overwrite", _o.Num, random: true, sync: false, threads: t));
                    }
                }
                if (Wants("readwhilewriting"))
                {
                    foreach (int t in _o.Threads)
                    {
                        Add(ReadWhileWriting(e, t));
                    }
                }
            }
            finally
            {
                DeleteDirectory(dir);
            }
        }
    }

    private WorkloadResult Fresh(string engine, Func<IKvEngine, WorkloadResult> workload)
    {
        string dir = NewDirectory(engine);
        try
        {
            using IKvEngine e = Create(engine, dir);
            EngineSettings[engine] = e.Settings;
            return workload(e);
        }
        finally
        {
            DeleteDirectory(dir);
        }
    }

    private string NewDirectory(string engine)
    {
        string dir = Path.Combine(_o.DataDirectory, $"aimlsm-bench-{engine}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static void DeleteDirectory(string dir)
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

    // ---- workloads ----

    /// <summary>
    /// fillseq, fillrandom, overwrite, fillsync: <paramref name="total"/> single puts split over the threads; each
    /// thread of a sequential fill writes its own range of keys in order. The <paramref name="load"/> of the read
    /// database writes exactly the keys the reads look for, so it never runs longer to reach the minimum time.
    /// </summary>
    private WorkloadResult Fill(IKvEngine e, string name, long total, bool random, bool sync, int threads, bool load = false)
    {
        int entry = _o.KeySize + _o.ValueSize;
        string? caveat = e.DurabilityCaveat(sync);
        WorkloadResult r = Measure(e, name, threads, total, writes: true, caveat, (w, ops, round) =>
        {
            Span<byte> key = stackalloc byte[_o.KeySize];
            long first = (round * total) + (w.Index * (total / threads));
            for (long i = 0; i < ops; i++)
            {
                long k = random ? w.Picker.Next(_o.Num) : first + i;
                _gen.Key(k, key);
                long start = Worker.Now();
                e.Put(key, _gen.Value(k), sync);
                w.Done(start);
            }
            w.Bytes += ops * entry;
        }, repeat: !load);
        return caveat is null ? r : r with { Incomparable = true };
    }

    /// <summary>fillbatch: sequential keys written in batches, each thread its own range; latency is the batch's time per write.</summary>
    private WorkloadResult FillBatch(IKvEngine e, int threads)
    {
        int entry = _o.KeySize + _o.ValueSize;
        string note = e.Name == "zonetree" ? "no atomic batch: a loop of upserts" : "";
        return Measure(e, "fillbatch", threads, _o.Num, writes: true, note, (w, ops, round) =>
        {
            Span<byte> key = stackalloc byte[_o.KeySize];
            long first = (round * _o.Num) + (w.Index * (_o.Num / threads));
            using IKvBatch batch = e.NewBatch();
            for (long i = first; i < first + ops; i += _o.BatchSize)
            {
                long n = Math.Min(_o.BatchSize, first + ops - i);
                long start = Worker.Now();
                for (long j = i; j < i + n; j++)
                {
                    _gen.Key(j, key);
                    batch.Put(key, _gen.Value(j));
                }
                batch.Commit();
                w.Done(start, n);
            }
            w.Bytes += ops * entry;
        }, latencyNote: "latency per write = batch time / batch size");
    }

    private WorkloadResult ReadRandom(IKvEngine e, int threads)
    {
        return Measure(e, "readrandom", threads, _o.Num, writes: false, null, (w, ops, _) =>
        {
            Span<byte> key = stackalloc byte[_o.KeySize];
            for (long i = 0; i < ops; i++)
            {
                long k = w.Picker.Next(_o.Num);
                _gen.Key(k, key);
                long start = Worker.Now();
                int n = e.Get(key);
                w.Done(start);
                if (n >= 0)
                {
                    w.Found++;
                    w.Bytes += _o.KeySize + n;
                }
            }
        });
    }

    /// <summary>readseq / readreverse: each thread scans its share of the keys; latency sampled per 64 steps.</summary>
    private WorkloadResult Scan(IKvEngine e, string name, int threads, bool forward)
    {
        const int Chunk = 64;
        return Measure(e, name, threads, _o.Num, writes: false, null, (w, ops, _) =>
        {
            using IKvCursor c = e.NewCursor();
            long share = _o.Num / threads;
            if (threads == 1 || (forward && w.Index == 0) || (!forward && w.Index == threads - 1))
            {
                if (forward)
                {
                    c.SeekToFirst();
                }
                else
                {
                    c.SeekToLast();
                }
            }
            else
            {
                Span<byte> key = stackalloc byte[_o.KeySize];
                if (forward)
                {
                    _gen.Key(w.Index * share, key);
                    c.Seek(key);
                }
                else
                {
                    _gen.Key(((w.Index + 1) * share) - 1, key);
                    c.SeekForPrev(key);
                }
            }
            long done = 0;
            while (done < ops && c.Valid)
            {
                long start = Worker.Now();
                long n = 0;
                long bytes = 0;
                while (n < Chunk && done + n < ops && c.Valid)
                {
                    bytes += c.Key.Length + c.Value.Length;
                    n++;
                    if (forward)
                    {
                        c.Next();
                    }
                    else
                    {
                        c.Prev();
                    }
                }
                w.Done(start, n);
                w.Bytes += bytes;
                done += n;
            }
            w.Found += done;
        }, latencyNote: "latency sampled per 64 steps");
    }

    private WorkloadResult SeekRandom(IKvEngine e, int threads)
    {
        return Measure(e, "seekrandom", threads, _o.Num, writes: false, null, (w, ops, _) =>
        {
            Span<byte> key = stackalloc byte[_o.KeySize];
            using IKvCursor c = e.NewCursor();
            for (long i = 0; i < ops; i++)
            {
                long k = w.Picker.Next(_o.Num);
                _gen.Key(k, key);
                long start = Worker.Now();
                c.Seek(key);
                long bytes = 0;
                for (int j = 0; j <= _o.SeekNexts && c.Valid; j++)
                {
                    bytes += c.Key.Length + c.Value.Length;
                    if (j < _o.SeekNexts)
                    {
                        c.Next();
                    }
                }
                w.Done(start);
                if (bytes > 0)
                {
                    w.Found++;
                }
                w.Bytes += bytes;
            }
        }, latencyNote: $"an op is a seek and {_o.SeekNexts} nexts");
    }

    /// <summary>readwhilewriting: <paramref name="readers"/> threads read at random while one thread overwrites at random.</summary>
    private WorkloadResult ReadWhileWriting(IKvEngine e, int readers)
    {
        long writes = 0;
        double writeSeconds = 0;
        using var stop = new CancellationTokenSource();
        var writer = new Thread(() =>
        {
            Span<byte> key = stackalloc byte[_o.KeySize];
            var picker = new KeyPicker(1_000_003);
            long start = Stopwatch.GetTimestamp();
            long n = 0;
            while (!stop.IsCancellationRequested)
            {
                long k = picker.Next(_o.Num);
                _gen.Key(k, key);
                e.Put(key, _gen.Value(k), sync: false);
                n++;
            }
            writeSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            writes = n;
        })
        { Name = "bench-writer", IsBackground = true };
        writer.Start();
        WorkloadResult r;
        try
        {
            r = ReadRandom(e, readers);
        }
        finally
        {
            stop.Cancel();
            writer.Join();
        }
        string note = $"{readers} readers + 1 writer; writer {(writeSeconds > 0 ? writes / writeSeconds : 0):N0} writes/s";
        return r with { Workload = "readwhilewriting", Note = Join(note, r.Note) };
    }

    // ---- measurement ----

    /// <summary>
    /// Times <paramref name="body"/> on <paramref name="threads"/> threads, <paramref name="total"/> operations split
    /// over them. A thread that finishes its share in under <see cref="BenchOptions.MinSeconds"/> runs it again (the
    /// next round: a fill writes the keys after its last ones, a scan starts over) until that time has passed, so
    /// that no row is a sub-second blip; a fill that loads the read database never does (<paramref name="repeat"/>).
    /// </summary>
    private WorkloadResult Measure(IKvEngine e, string name, int threads, long total, bool writes, string? caveat,
        Action<Worker, long, long> body, string? latencyNote = null, bool repeat = true)
    {
        string label = $"{e.Name} {name}" + (threads > 1 ? $" x{threads}" : "");
        if (!writes)
        {
            // Reads change nothing, so they warm up first: a managed engine's read path would otherwise run its first
            // 100-200 ms as unoptimized tier-0 code, a large share of a sub-second workload.
            // Tier-up waits for ~100 ms of quiet after the first calls, so the warm-up lasts at least WarmupTime.
            using var quiet = new OpsProgress(label + " warm-up", 0, silent: true);
            var warm = Stopwatch.StartNew();
            do
            {
                body(new Worker(0, quiet, seed: -1), Math.Min(total / 10, WarmupOps), 0);
            }
            while (warm.Elapsed < WarmupTime);
        }
        using var progress = new OpsProgress(label, total);
        var workers = new Worker[threads];
        for (int i = 0; i < threads; i++)
        {
            workers[i] = new Worker(i, progress, seed: (name.Length * 7919) + (i * 104729) + threads);
        }

        ProcessStats.SettleDisk();
        ProcessStats.ResetPeakRss();
        long writeBefore = ProcessStats.WriteBytes();
        long allocBefore = ProcessStats.AllocatedBytes();
        TimeSpan cpuBefore = Environment.CpuUsage.TotalTime;
        using var ready = new Barrier(threads + 1);
        var failures = new List<Exception>();
        var threadObjects = new Thread[threads];

        // One clock for the row and for the minimum time: set before the barrier releases the workers, so a row
        // never reports less than --min-seconds because the main thread was descheduled after the barrier and
        // started its own clock later than the workers did.
        long start = 0;
        for (int i = 0; i < threads; i++)
        {
            Worker w = workers[i];
            long share = (total / threads) + (i < total % threads ? 1 : 0);
            threadObjects[i] = new Thread(() =>
            {
                ready.SignalAndWait();
                try
                {
                    long round = 0;
                    do
                    {
                        body(w, share, round++);
                    }
                    while (repeat && Stopwatch.GetElapsedTime(start).TotalSeconds < _o.MinSeconds);
                }
                catch (Exception ex)
                {
                    lock (failures)
                    {
                        failures.Add(ex);
                    }
                }
            })
            { Name = $"bench-{i}", IsBackground = true };
            threadObjects[i].Start();
        }
        start = Stopwatch.GetTimestamp();
        ready.SignalAndWait(); // the barrier orders the write of start before the workers read it
        foreach (Thread t in threadObjects)
        {
            t.Join();
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        long allocated = ProcessStats.AllocatedBytes() - allocBefore;
        TimeSpan cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        if (failures.Count > 0)
        {
            throw new AggregateException($"{label} failed", failures);
        }

        var latency = new LatencyHistogram();
        long ops = 0, bytes = 0, found = 0;
        foreach (Worker w in workers)
        {
            latency.Merge(w.Latency);
            ops += w.Ops;
            bytes += w.Bytes;
            found += w.Found;
        }

        double? wamp = null;
        if (writes)
        {
            // Untimed: the flush belongs to the write cost, so W-amp counts WAL + tables.
            e.Flush();
            long written = ProcessStats.HasWriteBytes ? ProcessStats.WriteBytes() - writeBefore : ProcessStats.DirectorySize(e.Directory);
            wamp = bytes > 0 ? (double)written / bytes : null;
        }

        string note = caveat ?? "";
        if (!writes && found < ops)
        {
            note = Join(note, $"found {found:N0} of {ops:N0}");
        }
        note = Join(note, latencyNote);
        // Process CPU (user + system, every thread, background work included) per operation: on a shared machine a
        // steadier figure than the rate, which loses whatever time another process takes from the workers.
        note = Join(note, ops > 0 ? $"CPU {cpu.TotalMicroseconds / ops:F2} µs/op" : null);
        note = Join(note, e.WorkloadNote());
        return new WorkloadResult
        {
            Engine = e.Name,
            Workload = name,
            Threads = threads,
            Ops = ops,
            Seconds = seconds,
            UserBytes = bytes,
            P50Micros = latency.Percentile(50) / 1000,
            P99Micros = latency.Percentile(99) / 1000,
            P999Micros = latency.Percentile(99.9) / 1000,
            WriteAmplification = wamp,
            BytesOnDisk = ProcessStats.DirectorySize(e.Directory),
            PeakRssBytes = ProcessStats.PeakRss(),
            AllocatedBytesPerOp = ops > 0 ? (double)allocated / ops : 0,
            Note = note,
        };
    }

    private static string Join(string a, string? b) =>
        string.IsNullOrEmpty(b) ? a : string.IsNullOrEmpty(a) ? b : a + "; " + b;
}
