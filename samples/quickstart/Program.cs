// The quickstart: tracks a small hyper-parameter sweep into a repo and reads it back (the tree layer), then
// writes, reads, iterates and reopens a plain AimLsm database (the engine), printing what it did and how fast.
// Usage: dotnet run -c Release --project samples/quickstart [-- --num N] [--steps N] [--path DIR] [--keep]
using System.Buffers.Binary;
using System.Diagnostics;
using AimLsm;

int num = 1_000_000;
int steps = 5_000;
string path = Path.Combine(Path.GetTempPath(), "aimlsm-quickstart");
bool keep = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--num" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 0:
            num = n;
            i++;
            break;
        case "--steps" when i + 1 < args.Length && int.TryParse(args[i + 1], out int st) && st > 1:
            steps = st;
            i++;
            break;
        case "--path" when i + 1 < args.Length:
            path = Path.GetFullPath(args[++i]);
            break;
        case "--keep":
            keep = true;
            break;
        default:
            Console.Error.WriteLine($"quickstart: unknown or incomplete argument '{args[i]}'. Usage: quickstart [--num N] [--steps N] [--path DIR] [--keep]");
            return 2;
    }
}

int sweep = AimLsm.Samples.Quickstart.Sweep.Run(path + "-repo", steps, keep);
if (sweep != 0)
{
    return sweep;
}

if (Directory.Exists(path))
{
    if (!File.Exists(Path.Combine(path, "CURRENT")))
    {
        Console.Error.WriteLine($"quickstart: '{path}' exists and is not an AimLsm database; choose another --path.");
        return 2;
    }
    Directory.Delete(path, recursive: true);
}

const int KeySize = 16, ValueSize = 100;
Console.WriteLine($"AimLsm quickstart: {num:N0} entries, {KeySize}-byte keys, {ValueSize}-byte values, database at {path}");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(Debugger.IsAttached ? "debugger attached" : "no debugger")}");
Console.WriteLine();

byte[] key = new byte[KeySize];
byte[] value = new byte[ValueSize];
var rng = new Random(42);
rng.NextBytes(value.AsSpan(0, ValueSize / 2)); // half random, half zeros: about 50% compressible, like db_bench
void MakeKey(long i)
{
    // Zero-padded big-endian index: bytewise order equals numeric order.
    key.AsSpan().Clear();
    BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(KeySize - 8), i);
}

long[] order = new long[num];
for (int i = 0; i < num; i++)
{
    order[i] = i;
}
rng.Shuffle(order);

void Report(string what, long ops, TimeSpan t, string extra = "") =>
    Console.WriteLine($"{what,-28} {ops,12:N0} ops {t.TotalSeconds,8:F2} s {ops / t.TotalSeconds,14:N0} ops/s  {extra}");

var options = new DbOptions { CreateIfMissing = true };
using (Db db = Db.Open(path, options))
{
    var w = Stopwatch.StartNew();
    for (long i = 0; i < num; i++)
    {
        MakeKey(i);
        BinaryPrimitives.WriteInt64LittleEndian(value, i);
        db.Put(key, value);
    }
    Report("sequential writes (fillseq)", num, w.Elapsed, $"{(double)num * (KeySize + ValueSize) / w.Elapsed.TotalSeconds / 1e6:F1} MB/s");

    w.Restart();
    foreach (long i in order)
    {
        MakeKey(i);
        BinaryPrimitives.WriteInt64LittleEndian(value, i);
        db.Put(key, value);
    }
    Report("random overwrites", num, w.Elapsed);

    w.Restart();
    db.Flush();
    Console.WriteLine($"{"flush memtable to L0",-28} {w.Elapsed.TotalMilliseconds,12:F0} ms");

    var sink = new System.Buffers.ArrayBufferWriter<byte>(ValueSize);
    w.Restart();
    long found = 0;
    foreach (long i in order)
    {
        MakeKey(i);
        sink.ResetWrittenCount();
        if (db.TryGet(key, sink) && BinaryPrimitives.ReadInt64LittleEndian(sink.WrittenSpan) == i)
        {
            found++;
        }
    }
    Report("random point reads", num, w.Elapsed, $"{found:N0} found and checked");
    if (found != num)
    {
        Console.Error.WriteLine($"quickstart: {num - found} reads failed");
        return 1;
    }

    w.Restart();
    long scanned = 0;
    using (Iterator it = db.NewIterator())
    {
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            scanned++;
        }
    }
    Report("full scan (forward)", scanned, w.Elapsed);
}

var reopen = Stopwatch.StartNew();
using (Db db = Db.Open(path))
{
    TimeSpan openTime = reopen.Elapsed;
    long count = 0;
    using (Iterator it = db.NewIterator())
    {
        for (it.SeekToLast(); it.Valid; it.Prev())
        {
            count++;
        }
    }
    Report("reopen + reverse scan", count, reopen.Elapsed, $"open took {openTime.TotalMilliseconds:F0} ms");
    if (count != num)
    {
        Console.Error.WriteLine($"quickstart: expected {num} entries after reopen, found {count}");
        return 1;
    }
}

long bytes = new DirectoryInfo(path).GetFiles().Sum(f => f.Length);
Console.WriteLine();
Console.WriteLine($"on disk: {bytes / 1e6:F1} MB in {Directory.GetFiles(path).Length} files ({string.Join(", ", Directory.GetFiles(path).Select(Path.GetFileName).Order())})");
if (!keep)
{
    Directory.Delete(path, recursive: true);
}
Console.WriteLine("done.");
return 0;
