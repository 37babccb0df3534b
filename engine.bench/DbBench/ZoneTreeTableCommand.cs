using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AimLsm.Bench.Cli;
using ZoneTree;
using ZoneTree.Options;

namespace AimLsm.Bench.DbBench;

/// <summary>
/// <c>dbbench zonetree-table</c>: the insert table of ZoneTree's README (koculu/ZoneTree, "How fast is it?") redone on
/// this machine, with AimLsm and RocksDB beside it. A subcommand rather than a <c>--key-shape</c> option of dbbench,
/// because the shape of that table is not db_bench's: ZoneTree's own benchmark (src/Playground/Benchmark/ZoneTree1.cs,
/// ZoneTree2.cs) opens a fresh tree, inserts with <c>Parallel.For</c> on every core, times open plus inserts and leaves
/// the background merge out, and has one row per WAL mode; db_bench's rows are one thread, 16-byte keys, 100-byte
/// values, flush included in W-amp. Mixing the two would blur both reports.
/// Shapes: int-int is key x and value x + x (ZoneTree stores .NET ints; the byte engines get 4 big-endian bytes each,
/// so byte order is numeric order); str-str is key and value "abcdefghijklmno" + x (UTF-8).
/// </summary>
internal static class ZoneTreeTableCommand
{
    private static readonly string[] Shapes = ["int", "str"];

    /// <summary>ZoneTree's published figures (ms) for 1M and 10M inserts, README as of ZoneTree 1.x/2.x, i7-6850K, SATA SSD.</summary>
    private static readonly Dictionary<string, (long M1, long M10)> Published = new()
    {
        ["int zonetree async-compressed"] = (267, 2693),
        ["int zonetree sync-compressed"] = (834, 8642),
        ["int zonetree sync"] = (2742, 27497),
        ["str zonetree async-compressed"] = (892, 9443),
        ["str zonetree sync-compressed"] = (1752, 19153),
        ["str zonetree sync"] = (3488, 38727),
        ["int rocksdb"] = (8059, 61947),
        ["str rocksdb"] = (8215, 72491),
    };

    /// <summary>What each row's write promises when the insert returns, in the same words for every engine.</summary>
    private static readonly Dictionary<string, string> Durability = new()
    {
        ["zonetree async-compressed"] = "record queued to a background thread that compresses WAL blocks; a process crash loses the queue; never fsyncs",
        ["zonetree sync-compressed"] = "record added to an in-memory compressed WAL block, written when the block fills; a process crash loses the open block; never fsyncs",
        ["zonetree sync"] = "record written to the OS before Upsert returns (survives a process crash, not a power loss); never fsyncs",
        ["rocksdb"] = "WAL on, sync=false: record written to the OS before Put returns (survives a process crash, not a power loss); no fsync",
        ["aimlsm"] = "WAL on, no fsync: record CRC-checked and written to the OS before Put returns (survives a process crash, not a power loss)",
    };

    private static readonly (string Name, WriteAheadLogMode Mode)[] ZoneTreeModes =
    [
        ("zonetree async-compressed", WriteAheadLogMode.AsyncCompressed),
        ("zonetree sync-compressed", WriteAheadLogMode.SyncCompressed),
        ("zonetree sync", WriteAheadLogMode.Sync),
    ];

    public static Command Create()
    {
        var counts = BenchArgs.Ints("--counts", "N[,N..]", "Inserts per cell, one column per count", [1_000_000, 10_000_000]);
        var shapes = BenchArgs.List("--shapes", "shape", Shapes);
        var engines = BenchArgs.List("--engines", "engine", BenchOptions.AllEngines);
        var repeat = BenchArgs.Int("--repeat", "Passes; each cell reports the median pass", 1, max: 99);
        var dataDir = BenchArgs.Text("--data-dir", "DIR", "Where the fresh database directories go (default: the temp directory)");
        var command = new Command("zonetree-table",
            "ZoneTree's README insert table (int-int and str-str, 1M and 10M, its WAL modes against RocksDB) on this machine, "
            + "AimLsm beside it. Timed as ZoneTree times it: open a fresh database, insert with Parallel.For, stop when the "
            + "inserts return; the flush and background merge after it are timed separately. Each row first runs once "
            + "untimed (a tenth of the smallest count, at most 50,000) to warm the JIT.")
        {
            counts, shapes, engines, repeat, dataDir,
        };
        command.SetAction(parse => Run(
            parse.GetValue(counts)!,
            parse.GetValue(shapes) is { Length: > 0 } s ? s : Shapes,
            parse.GetValue(engines) is { Length: > 0 } e ? e : BenchOptions.AllEngines,
            parse.GetValue(repeat),
            parse.GetValue(dataDir) ?? Path.GetTempPath(),
            BenchCommandLine.Echo(parse)));
        return command;
    }

    private sealed record Cell(string Row, long Count, double InsertMs, double SettleMs);

    private static int Run(int[] counts, string[] shapes, string[] engines, int repeat, string dataDir, string commandLine)
    {
        Console.WriteLine($"dbbench zonetree-table: {string.Join(",", engines)} | shapes {string.Join(",", shapes)} | counts {string.Join(",", counts.Select(c => c.ToString("N0", CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"  {MachineInfo.Describe(dataDir)}; Parallel.For on {Environment.ProcessorCount} cores; {repeat} pass(es), median");
        var rows = new List<string>();
        foreach (string shape in shapes)
        {
            foreach (string engine in engines)
            {
                if (engine == "zonetree")
                {
                    rows.AddRange(ZoneTreeModes.Select(m => $"{shape} {m.Name}"));
                }
                else
                {
                    rows.Add($"{shape} {engine}");
                }
            }
        }
        var cells = new List<Cell>();
        for (int pass = 1; pass <= repeat; pass++)
        {
            foreach (string row in rows)
            {
                if (pass == 1)
                {
                    // Untimed, so that no row pays the JIT for the code it shares with later rows (ZoneTree's
                    // BenchmarkDotNet harness warms up too).
                    Measure(row, Math.Min(counts.Min() / 10, 50_000), dataDir);
                }
                foreach (int count in counts)
                {
                    Cell c = Measure(row, count, dataDir);
                    Console.WriteLine($"  pass {pass}: {row,-32} {count,12:N0}  insert {c.InsertMs,9:N0} ms  then flush+merge {c.SettleMs,9:N0} ms");
                    cells.Add(c);
                }
            }
        }

        var sb = new StringBuilder();
        sb.AppendLine().AppendLine($"ZoneTree's README table on this machine ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {MachineInfo.Describe(dataDir)})");
        sb.AppendLine($"Command: {commandLine}").AppendLine();
        var header = new List<string> { "insert benchmark" };
        foreach (int count in counts)
        {
            string n = Label(count);
            header.Add($"{n} ms");
            header.Add($"{n} published ms");
            header.Add($"{n} ms incl. flush+merge");
        }
        var table = new List<string[]>();
        foreach (string row in rows)
        {
            var line = new List<string> { $"{row[..3]}-{row[..3]} {row[4..]}" };
            foreach (int count in counts)
            {
                Cell[] mine = [.. cells.Where(c => c.Row == row && c.Count == count).OrderBy(c => c.InsertMs)];
                Cell mid = mine[(mine.Length - 1) / 2];
                line.Add(mid.InsertMs.ToString("N0", CultureInfo.InvariantCulture));
                line.Add(Published.TryGetValue(row, out var p) && (count == 1_000_000 || count == 10_000_000)
                    ? (count == 1_000_000 ? p.M1 : p.M10).ToString("N0", CultureInfo.InvariantCulture) : "-");
                line.Add((mid.InsertMs + mid.SettleMs).ToString("N0", CultureInfo.InvariantCulture));
            }
            table.Add([.. line]);
        }
        sb.Append(ReportWriter.Table([.. header], table, markdown: true)).AppendLine();
        sb.AppendLine("Durability when an insert returns:");
        foreach (string name in rows.Select(r => r[4..]).Distinct())
        {
            sb.AppendLine($"- {name}: {Durability[name]}");
        }
        sb.AppendLine("- Published figures: ZoneTree's README (BenchmarkDotNet, Windows, i7-6850K 6 cores, Samsung 850 EVO); its RocksDB rows are "
            + "\"sync-compressed WAL\" through a .NET binding, whose settings the README does not give. Its \"RocksDb sync WAL\" row "
            + "(fsync per write, ~1,100,000 ms for 1M) has no row here: that is dbbench's fillsync.");
        Console.Write(sb.ToString());
        return 0;
    }

    private static string Label(int count) => count % 1_000_000 == 0 ? $"{count / 1_000_000}M" : count.ToString("N0", CultureInfo.InvariantCulture);

    private static Cell Measure(string row, int count, string dataDir)
    {
        bool ints = row.StartsWith("int ", StringComparison.Ordinal);
        string engine = row[4..];
        string dir = Path.Combine(dataDir, $"aimlsm-ztable-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(dir);
        try
        {
            ProcessStats.SettleDisk();
            var (mode, isZoneTree) = ZoneTreeModes.FirstOrDefault(m => m.Name == engine) is { Name: not null } z ? (z.Mode, true) : (default, false);
            if (isZoneTree)
            {
                return ints ? MeasureZoneTree<int, int>(row, count, dir, mode, x => x, x => x + x)
                            : MeasureZoneTree<string, string>(row, count, dir, mode, StrOf, StrOf);
            }
            var clock = Stopwatch.StartNew();
            using IKvEngine e = DbBenchRunner.Create(engine, dir);
            Parallel.For(0, count, x =>
            {
                Span<byte> key = stackalloc byte[32];
                Span<byte> value = stackalloc byte[32];
                int k, v;
                if (ints)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(key, (uint)x ^ 0x8000_0000u);
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(value, (uint)(x + x) ^ 0x8000_0000u);
                    k = v = 4;
                }
                else
                {
                    k = v = StrBytes(x, key);
                    key[..k].CopyTo(value);
                }
                e.Put(key[..k], value[..v], sync: false);
            });
            double insert = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            e.Flush();
            return new Cell(row, count, insert, clock.Elapsed.TotalMilliseconds);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"warning: could not delete {dir}: {ex.Message}");
            }
        }
    }

    private const string StrPrefix = "abcdefghijklmno";

    private static string StrOf(int x) => StrPrefix + x.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes <see cref="StrOf"/>(x) as UTF-8 into <paramref name="destination"/> without a string; returns its length.</summary>
    private static int StrBytes(int x, Span<byte> destination)
    {
        System.Text.Encoding.ASCII.GetBytes(StrPrefix, destination);
        x.TryFormat(destination[StrPrefix.Length..], out int digits, default, CultureInfo.InvariantCulture);
        return StrPrefix.Length + digits;
    }

    /// <summary>ZoneTree's own typed tree, its defaults (serializers and comparers of the known types) with the row's WAL mode.</summary>
    private static Cell MeasureZoneTree<TKey, TValue>(string row, int count, string dir, WriteAheadLogMode mode, Func<int, TKey> key, Func<int, TValue> value)
    {
        var clock = Stopwatch.StartNew();
        using IZoneTree<TKey, TValue> tree = new ZoneTreeFactory<TKey, TValue>()
            .SetDataDirectory(dir)
            .ConfigureWriteAheadLogOptions(w => w.WriteAheadLogMode = mode)
            .OpenOrCreate();
        using IMaintainer maintainer = tree.CreateMaintainer();
        Parallel.For(0, count, x =>
        {
            TKey k = key(x);
            TValue v = value(x);
            tree.Upsert(in k, in v);
        });
        double insert = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        maintainer.EvictToDisk();
        maintainer.WaitForBackgroundThreads();
        return new Cell(row, count, insert, clock.Elapsed.TotalMilliseconds);
    }
}
