using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using AimLsm.IO;

namespace AimLsm.Tests.Lsm;

/// <summary>
/// Readers see consistent views while a writer and the flush thread work: every batch writes one version number to
/// K keys, and every snapshot read, plain read sequence under a snapshot, and iterator must see one version for all K.
/// </summary>
public class DbConcurrencyTests
{
    private const int K = 16;

    private static byte[] Key(int i) => Encoding.UTF8.GetBytes($"inv{i:D2}");

    [Fact]
    public void Batches_are_all_or_nothing_for_readers_while_writes_and_flushes_go_on()
    {
        bool soak = Environment.GetEnvironmentVariable("AIMLSM_SOAK") == "1";
        TimeSpan duration = soak ? TimeSpan.FromSeconds(60) : TimeSpan.FromSeconds(3);
        // Until compaction exists every flush adds an L0 table that each iterator opens, so the number of flushes
        // is bounded here (batches x 3.3 KiB / write buffer), not only the time.
        long maxBatches = soak ? 40_000 : 4_000;
        using var db = Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = new MemFileSystem(), WriteBufferSize = 256 << 10 });
        var batch = new WriteBatch();
        for (int i = 0; i < K; i++)
        {
            batch.Put(Key(i), BitConverter.GetBytes(0L));
        }
        db.Write(batch);

        using var stop = new CancellationTokenSource(duration);
        long written = 0, checks = 0;
        Exception? failure = null;
        var writer = new Thread(() =>
        {
            try
            {
                var b = new WriteBatch();
                byte[] pad = new byte[200];
                for (long v = 1; !stop.IsCancellationRequested && v <= maxBatches; v++)
                {
                    b.Clear();
                    for (int i = 0; i < K; i++)
                    {
                        byte[] value = new byte[8 + pad.Length];
                        BinaryPrimitives.WriteInt64LittleEndian(value, v);
                        b.Put(Key(i), value);
                    }
                    db.Write(b);
                    Interlocked.Exchange(ref written, v);
                    if (v % 500 == 0)
                    {
                        db.Flush();
                    }
                }
            }
            catch (Exception e)
            {
                failure ??= e;
            }
        });
        var readers = Enumerable.Range(0, 2).Select(r => new Thread(() =>
        {
            try
            {
                while (!stop.IsCancellationRequested && (Interlocked.Read(ref written) < maxBatches || Interlocked.Read(ref checks) < 20))
                {
                    using (Snapshot s = db.GetSnapshot())
                    {
                        var options = new ReadOptions { Snapshot = s };
                        long first = Version(db.Get(Key(0), options));
                        for (int i = 1; i < K; i++)
                        {
                            Assert.Equal(first, Version(db.Get(Key(i), options)));
                        }
                    }
                    using (Iterator it = db.NewIterator())
                    {
                        long? seen = null;
                        int n = 0;
                        for (it.SeekToFirst(); it.Valid; it.Next(), n++)
                        {
                            long v = BinaryPrimitives.ReadInt64LittleEndian(it.Value);
                            seen ??= v;
                            Assert.Equal(seen, v);
                        }
                        Assert.Equal(K, n);
                        for (it.SeekToLast(); it.Valid; it.Prev(), n--)
                        {
                            Assert.Equal(seen, BinaryPrimitives.ReadInt64LittleEndian(it.Value));
                        }
                        Assert.Equal(0, n);
                    }
                    Interlocked.Increment(ref checks);
                }
            }
            catch (Exception e)
            {
                failure ??= e;
            }
        })).ToList();
        writer.Start();
        readers.ForEach(t => t.Start());
        writer.Join();
        readers.ForEach(t => t.Join());
        Assert.Null(failure);
        Assert.True(written > 100, $"only {written} batches written");
        Assert.True(checks > 10, $"only {checks} reader checks");
    }

    private static long Version(byte[]? value)
    {
        Assert.NotNull(value);
        return BinaryPrimitives.ReadInt64LittleEndian(value);
    }

    [Fact]
    public void An_iterator_keeps_its_view_across_writes_and_flushes()
    {
        using var db = Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = new MemFileSystem(), WriteBufferSize = 4096 });
        for (int i = 0; i < 100; i++)
        {
            db.Put(Key(i % 50), [(byte)i]);
        }
        using Iterator it = db.NewIterator();
        it.SeekToFirst();
        for (int i = 0; i < 2000; i++)
        {
            db.Put(Encoding.UTF8.GetBytes($"new{i}"), new byte[100]);
        }
        db.DeleteRange(Key(0), Key(99));
        db.Flush();
        int n = 0;
        for (; it.Valid; it.Next())
        {
            n++;
        }
        Assert.Equal(50, n);
        Assert.Null(db.Get(Key(3)));
        var watch = Stopwatch.StartNew();
        Assert.True(watch.ElapsedMilliseconds < 10_000);
    }
}
