using System.Buffers.Binary;
using System.Diagnostics;
using AimLsm.Kv.Iteration;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Memtable;

namespace AimLsm.Tests.Lsm.Memtable;

/// <summary>
/// LevelDB skiplist_test ConcurrentWithoutThreads/ConcurrentRead, adapted: one writer inserts while readers iterate
/// without locks. Every key a reader sees must be complete (its value encodes the key, so a torn node is caught)
/// and keys must ascend.
/// </summary>
public class MemTableConcurrencyTests
{
    private static byte[] UserKey(uint k)
    {
        byte[] b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, k);
        return b;
    }

    private static byte[] ValueFor(uint k, ulong seq)
    {
        // Variable length, derived from the key and sequence, so readers can check it whole.
        int len = (int)((k + seq) % 40);
        byte[] v = new byte[12 + len];
        BinaryPrimitives.WriteUInt32LittleEndian(v, k);
        BinaryPrimitives.WriteUInt64LittleEndian(v.AsSpan(4), seq);
        for (int i = 12; i < v.Length; i++)
        {
            v[i] = (byte)(k + seq + (ulong)i);
        }
        return v;
    }

    [Fact]
    public void One_writer_many_readers_see_ordered_well_formed_entries()
    {
        const int seed = 77;
        MemTable mem = new(1, 4 << 20);
        using var stop = new CancellationTokenSource();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        long maxSeq = 0;
        long readerPasses = 0;

        void Check(InternalIterator it, ref byte[]? previous)
        {
            ReadOnlySpan<byte> key = it.Key;
            if (key.Length != 4 + InternalKey.TrailerSize)
            {
                errors.Enqueue($"key of {key.Length} bytes");
                return;
            }
            uint k = BinaryPrimitives.ReadUInt32BigEndian(key);
            ulong seq = InternalKey.Sequence(key);
            if (InternalKey.Type(key) != EntryType.Value || seq == 0 || seq > (ulong)Volatile.Read(ref maxSeq))
            {
                errors.Enqueue($"bad trailer {InternalKey.Describe(key)}");
            }
            if (!it.Value.SequenceEqual(ValueFor(k, seq)))
            {
                errors.Enqueue($"torn value for {InternalKey.Describe(key)}");
            }
            if (previous is not null && InternalKey.Compare(previous, key) >= 0)
            {
                errors.Enqueue($"order: {InternalKey.Describe(previous)} then {InternalKey.Describe(key)}");
            }
            previous = key.ToArray();
        }

        void Reader(int id)
        {
            var rng = new Random(seed + id);
            while (!stop.IsCancellationRequested && errors.IsEmpty)
            {
                using InternalIterator it = mem.NewIterator();
                byte[]? previous = null;
                int steps = 0;
                switch (rng.Next(3))
                {
                    case 0:
                        for (it.SeekToFirst(); it.Valid && steps < 5000; it.Next(), steps++)
                        {
                            Check(it, ref previous);
                        }
                        break;
                    case 1:
                        it.Seek(InternalKey.Make(UserKey((uint)rng.Next(100_000)), InternalKey.MaxSequence, EntryType.ForSeek));
                        for (; it.Valid && steps < 2000; it.Next(), steps++)
                        {
                            Check(it, ref previous);
                        }
                        break;
                    default:
                        // Backwards: keys must descend; reuse Check by comparing in reverse.
                        byte[]? next = null;
                        for (it.SeekToLast(); it.Valid && steps < 300; it.Prev(), steps++)
                        {
                            byte[]? none = null;
                            Check(it, ref none);
                            byte[] key = it.Key.ToArray();
                            if (next is not null && InternalKey.Compare(key, next) >= 0)
                            {
                                errors.Enqueue($"reverse order: {InternalKey.Describe(key)} before {InternalKey.Describe(next)}");
                            }
                            next = key;
                        }
                        break;
                }
                uint probe = (uint)rng.Next(100_000);
                if (mem.Get(UserKey(probe), InternalKey.MaxSequence, out EntryType t, out ulong s, out ReadOnlySpan<byte> v)
                    && (t != EntryType.Value || !v.SequenceEqual(ValueFor(probe, s))))
                {
                    errors.Enqueue($"Get({probe}) returned a torn entry");
                }
                Interlocked.Increment(ref readerPasses);
            }
        }

        Thread[] readers = Enumerable.Range(0, 3).Select(i => new Thread(() => Reader(i)) { IsBackground = true }).ToArray();
        foreach (Thread t in readers)
        {
            t.Start();
        }

        var writerRng = new Random(seed);
        var watch = Stopwatch.StartNew();
        ulong seq = 0;
        while (watch.ElapsedMilliseconds < 1200 && errors.IsEmpty)
        {
            uint k = (uint)writerRng.Next(100_000);
            seq++;
            // Raise the bound before the node is published: a reader may see the node the moment it is linked.
            Volatile.Write(ref maxSeq, (long)seq);
            mem.Add(seq, EntryType.Value, UserKey(k), ValueFor(k, seq));
        }
        stop.Cancel();
        foreach (Thread t in readers)
        {
            Assert.True(t.Join(TimeSpan.FromSeconds(10)), "a reader hung");
        }
        Assert.True(errors.IsEmpty, $"seed {seed}: " + string.Join("\n", errors.Take(10)));
        Assert.True(Interlocked.Read(ref readerPasses) > 0);
        Assert.Equal((int)seq, mem.Count);
    }
}
