using AimLsm.Kv;
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace AimLsm.Samples.Quickstart;

/// <summary>
/// The engine underneath the repo, used directly as an ordered key-value store: sequential writes, a flush to an
/// SSTable, random point reads, a forward scan, and a reopen followed by a reverse scan. Keys and values are db_bench's
/// (16-byte keys, 100-byte half-compressible values), so the rates compare with the README's performance table.
/// </summary>
internal static class EngineTour
{
    private const int KeySize = 16;
    private const int ValueSize = 100;

    /// <summary>Runs the tour on a fresh database at <paramref name="path"/>; false when a check failed.</summary>
    public static bool Run(string path, int num)
    {
        Console.WriteLine($"  {num:N0} entries, {KeySize}-byte keys, {ValueSize}-byte values, database at {path}");
        byte[] key = new byte[KeySize];
        byte[] value = new byte[ValueSize];
        var random = new Random(42);
        random.NextBytes(value.AsSpan(0, ValueSize / 2)); // half random, half zeros: about 50% compressible, like db_bench

        // Zero-padded big-endian index: bytewise key order equals numeric order.
        void MakeKey(long i) => BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(KeySize - 8), i);

        long[] order = [.. Enumerable.Range(0, num).Select(i => (long)i)];
        random.Shuffle(order);

        using (Db db = Db.Open(path, new DbOptions { CreateIfMissing = true }))
        {
            var clock = Stopwatch.StartNew();
            for (long i = 0; i < num; i++)
            {
                MakeKey(i);
                BinaryPrimitives.WriteInt64LittleEndian(value, i);
                db.Put(key, value);
            }

            db.Flush();
            Report("sequential writes + flush", num, clock.Elapsed);

            var sink = new ArrayBufferWriter<byte>(ValueSize);
            clock.Restart();
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

            Report("random point reads", num, clock.Elapsed, $"{found:N0} found and checked");
            if (found != num)
            {
                Console.Error.WriteLine($"quickstart: {num - found} reads failed");
                return false;
            }

            clock.Restart();
            long scanned = 0;
            using (Iterator it = db.NewIterator())
            {
                for (it.SeekToFirst(); it.Valid; it.Next())
                {
                    scanned++;
                }
            }

            Report("forward scan", scanned, clock.Elapsed);
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
                return false;
            }
        }

        return true;
    }

    private static void Report(string what, long ops, TimeSpan t, string extra = "") =>
        Console.WriteLine($"  {what,-26} {ops,10:N0} ops {t.TotalSeconds,6:F2} s {ops / t.TotalSeconds,12:N0} ops/s  {extra}".TrimEnd());
}
