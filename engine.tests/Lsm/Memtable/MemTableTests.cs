using System.Text;
using AimLsm.Kv.Iteration;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Memtable;
using AimLsm.Kv.RangeDel;

namespace AimLsm.Tests.Lsm.Memtable;

public class MemTableTests
{
    private static byte[] B(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    private static string S(ReadOnlySpan<byte> b) => System.Text.Encoding.ASCII.GetString(b);

    private static MemTable NewTable() => new(logNumber: 7, writeBufferSize: 1 << 20);

    private static List<string> Describe(InternalIterator it)
    {
        var list = new List<string>();
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            list.Add($"{S(InternalKey.UserKey(it.Key))}@{InternalKey.Sequence(it.Key)}:{InternalKey.Type(it.Key)}={S(it.Value)}");
        }
        return list;
    }

    [Fact]
    public void Empty()
    {
        MemTable mem = NewTable();
        Assert.True(mem.IsEmpty);
        Assert.Equal(0, mem.Count);
        Assert.Equal(7UL, mem.LogNumber);
        Assert.False(mem.Get(B("a"), InternalKey.MaxSequence, out _, out _, out _));
        using InternalIterator it = mem.NewIterator();
        it.SeekToFirst();
        Assert.False(it.Valid);
        it.SeekToLast();
        Assert.False(it.Valid);
        it.Seek(InternalKey.Make(B("a"), 1, EntryType.ForSeek));
        Assert.False(it.Valid);
        Assert.True(mem.Tombstones.IsEmpty);
        Assert.Empty(mem.RangeTombstones());
    }

    [Fact]
    public void Get_sees_newest_version_at_or_below_snapshot()
    {
        MemTable mem = NewTable();
        mem.Add(1, EntryType.Value, B("k"), B("v1"));
        mem.Add(3, EntryType.Value, B("k"), B("v3"));
        mem.Add(5, EntryType.Deletion, B("k"), []);
        mem.Add(7, EntryType.Value, B("k"), B("v7"));

        Assert.False(mem.Get(B("k"), 0, out _, out _, out _));
        AssertGet(mem, "k", 1, EntryType.Value, 1, "v1");
        AssertGet(mem, "k", 2, EntryType.Value, 1, "v1");
        AssertGet(mem, "k", 3, EntryType.Value, 3, "v3");
        AssertGet(mem, "k", 4, EntryType.Value, 3, "v3");
        AssertGet(mem, "k", 5, EntryType.Deletion, 5, "");
        AssertGet(mem, "k", 6, EntryType.Deletion, 5, "");
        AssertGet(mem, "k", 7, EntryType.Value, 7, "v7");
        AssertGet(mem, "k", InternalKey.MaxSequence, EntryType.Value, 7, "v7");
    }

    private static void AssertGet(MemTable mem, string key, ulong snapshot, EntryType type, ulong seq, string value)
    {
        Assert.True(mem.Get(B(key), snapshot, out EntryType t, out ulong s, out ReadOnlySpan<byte> v), $"{key} at {snapshot}");
        Assert.Equal(type, t);
        Assert.Equal(seq, s);
        Assert.Equal(value, S(v));
    }

    [Fact]
    public void Get_does_not_match_prefix_or_neighbour()
    {
        MemTable mem = NewTable();
        mem.Add(1, EntryType.Value, B("ab"), B("x"));
        mem.Add(2, EntryType.Value, B("b"), B("y"));
        Assert.False(mem.Get(B("a"), 10, out _, out _, out _));
        Assert.False(mem.Get(B("abc"), 10, out _, out _, out _));
        Assert.False(mem.Get(B("aa"), 10, out _, out _, out _));
        Assert.False(mem.Get(B("c"), 10, out _, out _, out _));
        Assert.False(mem.Get(B("b"), 1, out _, out _, out _));
    }

    [Fact]
    public void Get_long_key_uses_heap_seek_buffer()
    {
        // The seek key is built on the stack up to MemTable.MaxStackSeekKey bytes of user key and in a heap buffer
        // past it: the heap path is the one that allocates, so the allocation counter shows which path ran.
        MemTable mem = NewTable();
        int[] lengths = [MemTable.MaxStackSeekKey, MemTable.MaxStackSeekKey + 1, 1000];
        foreach (int length in lengths)
        {
            byte[] key = new byte[length];
            key[^1] = (byte)(length % 251);
            mem.Add((ulong)length, EntryType.Value, key, B($"v{length}"));
        }

        foreach (int length in lengths)
        {
            byte[] key = new byte[length];
            key[^1] = (byte)(length % 251);
            Assert.True(mem.Get(key, InternalKey.MaxSequence, out _, out _, out _)); // warm-up: JIT, first-call paths
            long before = GC.GetAllocatedBytesForCurrentThread();
            bool found = mem.Get(key, InternalKey.MaxSequence, out EntryType type, out ulong sequence, out ReadOnlySpan<byte> value);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(found);
            Assert.Equal(EntryType.Value, type);
            Assert.Equal((ulong)length, sequence);
            Assert.Equal($"v{length}", S(value));
            if (length <= MemTable.MaxStackSeekKey)
                Assert.Equal(0, allocated);
            else
                Assert.True(allocated >= length + InternalKey.TrailerSize, $"{length}-byte key: {allocated} bytes allocated, so no heap seek buffer");

            // A key one byte longer shares the whole prefix: the heap-built seek key must still not match it.
            Assert.False(mem.Get([.. key, 0], InternalKey.MaxSequence, out _, out _, out _));
        }
    }

    [Fact]
    public void Range_tombstones_stored_apart_from_point_entries()
    {
        MemTable mem = NewTable();
        mem.Add(1, EntryType.Value, B("b"), B("v"));
        mem.Add(2, EntryType.RangeDeletion, B("a"), B("c"));
        Assert.Equal(1, mem.Count);
        Assert.False(mem.IsEmpty);
        Assert.Equal(new List<string> { "b@1:Value=v" }, Describe(mem.NewIterator()));
        RangeTombstone[] raw = mem.RangeTombstones();
        Assert.Single(raw);
        Assert.Equal("a", S(raw[0].Start));
        Assert.Equal("c", S(raw[0].End));
        Assert.Equal(2UL, raw[0].Sequence);
        Assert.Equal(2UL, mem.Tombstones.MaxCoveringSequence(B("b"), 10));
        Assert.Equal(0UL, mem.Tombstones.MaxCoveringSequence(B("b"), 1));
        Assert.Equal(0UL, mem.Tombstones.MaxCoveringSequence(B("c"), 10));
    }

    [Fact]
    public void Only_range_tombstone_is_not_empty()
    {
        MemTable mem = NewTable();
        mem.Add(1, EntryType.RangeDeletion, B("a"), B("b"));
        Assert.False(mem.IsEmpty);
        Assert.Equal(0, mem.Count);
        Assert.True(mem.ApproximateMemoryUsage > 0);
    }

    [Fact]
    public void Tombstones_cache_rebuilt_after_new_range_deletion()
    {
        MemTable mem = NewTable();
        mem.Add(1, EntryType.RangeDeletion, B("a"), B("c"));
        FragmentedRangeTombstones first = mem.Tombstones;
        Assert.Same(first, mem.Tombstones);
        Assert.Equal(0UL, first.MaxCoveringSequence(B("x"), 100));
        mem.Add(2, EntryType.RangeDeletion, B("w"), B("y"));
        Assert.NotSame(first, mem.Tombstones);
        Assert.Equal(2UL, mem.Tombstones.MaxCoveringSequence(B("x"), 100));
        Assert.Equal(1UL, mem.Tombstones.MaxCoveringSequence(B("b"), 100));
    }

    [Fact]
    public void Range_tombstones_returns_copy()
    {
        MemTable mem = NewTable();
        mem.Add(1, EntryType.RangeDeletion, B("a"), B("c"));
        RangeTombstone[] copy = mem.RangeTombstones();
        mem.Add(2, EntryType.RangeDeletion, B("d"), B("e"));
        Assert.Single(copy);
        Assert.Equal(2, mem.RangeTombstones().Length);
    }

    [Fact]
    public void Range_tombstone_arguments_copied()
    {
        MemTable mem = NewTable();
        byte[] start = B("a");
        byte[] end = B("c");
        mem.Add(1, EntryType.RangeDeletion, start, end);
        start[0] = (byte)'z';
        end[0] = (byte)'z';
        Assert.Equal("a", S(mem.RangeTombstones()[0].Start));
        Assert.Equal(1UL, mem.Tombstones.MaxCoveringSequence(B("b"), 5));
    }

    [Fact]
    public void Approximate_memory_usage_grows()
    {
        MemTable mem = NewTable();
        long before = mem.ApproximateMemoryUsage;
        mem.Add(1, EntryType.Value, B("key"), new byte[1000]);
        Assert.True(mem.ApproximateMemoryUsage >= before + 1000);
    }

    [Fact]
    public void Iterator_forward_backward_seek()
    {
        MemTable mem = NewTable();
        mem.Add(1, EntryType.Value, B("b"), B("b1"));
        mem.Add(2, EntryType.Value, B("a"), B("a2"));
        mem.Add(3, EntryType.Deletion, B("b"), []);
        mem.Add(4, EntryType.Value, B("c"), B("c4"));
        using InternalIterator it = mem.NewIterator();
        Assert.Equal(new List<string> { "a@2:Value=a2", "b@3:Deletion=", "b@1:Value=b1", "c@4:Value=c4" }, Describe(it));

        var backward = new List<string>();
        for (it.SeekToLast(); it.Valid; it.Prev())
        {
            backward.Add($"{S(InternalKey.UserKey(it.Key))}@{InternalKey.Sequence(it.Key)}");
        }
        Assert.Equal(new List<string> { "c@4", "b@1", "b@3", "a@2" }, backward);

        it.Seek(InternalKey.Make(B("b"), 2, EntryType.ForSeek));
        Assert.True(it.Valid);
        Assert.Equal("b1", S(it.Value));
        it.Prev();
        Assert.Equal(3UL, InternalKey.Sequence(it.Key));
        it.Next();
        it.Next();
        Assert.Equal("c", S(InternalKey.UserKey(it.Key)));
        it.Next();
        Assert.False(it.Valid);

        it.Seek(InternalKey.Make(B("bb"), InternalKey.MaxSequence, EntryType.ForSeek));
        Assert.Equal("c4", S(it.Value));
        it.Seek(InternalKey.Make(B("d"), InternalKey.MaxSequence, EntryType.ForSeek));
        Assert.False(it.Valid);
        it.Seek(InternalKey.Make(B(""), InternalKey.MaxSequence, EntryType.ForSeek));
        Assert.Equal("a2", S(it.Value));
        it.Prev();
        Assert.False(it.Valid);
    }

    [Fact]
    public void Iterator_sees_entries_added_after_creation()
    {
        MemTable mem = NewTable();
        using InternalIterator it = mem.NewIterator();
        mem.Add(1, EntryType.Value, B("b"), B("1"));
        it.SeekToFirst();
        Assert.True(it.Valid);
        Assert.Equal("b", S(InternalKey.UserKey(it.Key)));
        Assert.Equal(1UL, InternalKey.Sequence(it.Key));
        Assert.Equal("1", S(it.Value));

        // Added while the iterator stands on "b": one after it is reached by Next, one before it by Prev.
        mem.Add(2, EntryType.Value, B("c"), B("2"));
        mem.Add(3, EntryType.Value, B("a"), B("3"));
        it.Next();
        Assert.True(it.Valid);
        Assert.Equal("c", S(InternalKey.UserKey(it.Key)));
        Assert.Equal("2", S(it.Value));
        it.Prev();
        it.Prev();
        Assert.True(it.Valid);
        Assert.Equal("a", S(InternalKey.UserKey(it.Key)));
        Assert.Equal("3", S(it.Value));
        Assert.Equal(new List<string> { "a@3:Value=3", "b@1:Value=1", "c@2:Value=2" }, Describe(it));
    }

    [Fact]
    public void Random_operations_against_model()
    {
        const int seed = 4242;
        var rng = new Random(seed);
        MemTable mem = NewTable();
        var model = new List<(string Key, ulong Seq, EntryType Type, string Value)>();
        for (ulong seq = 1; seq <= 3000; seq++)
        {
            string key = "k" + rng.Next(200).ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
            EntryType t = rng.Next(4) == 0 ? EntryType.Deletion : EntryType.Value;
            string v = t == EntryType.Value ? "v" + seq : "";
            mem.Add(seq, t, B(key), B(v));
            model.Add((key, seq, t, v));
        }
        for (int i = 0; i < 2000; i++)
        {
            string key = "k" + rng.Next(210).ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
            ulong snap = (ulong)rng.Next(3100);
            var expected = model.Where(m => m.Key == key && m.Seq <= snap).OrderByDescending(m => m.Seq).FirstOrDefault();
            bool found = mem.Get(B(key), snap, out EntryType t, out ulong s, out ReadOnlySpan<byte> v);
            Assert.True(found == (expected.Key is not null), $"seed {seed}, {key} at {snap}");
            if (found)
            {
                Assert.True(expected.Seq == s && expected.Type == t && expected.Value == S(v), $"seed {seed}, {key} at {snap}");
            }
        }
    }
}
