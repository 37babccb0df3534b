using System.Text;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Memtable;

namespace AimLsm.Tests.Lsm.Memtable;

public unsafe class SkipListTests
{
    private static byte[] U(int i) => System.Text.Encoding.ASCII.GetBytes(i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Empty()
    {
        var list = new SkipList(new Arena(4096));
        Assert.Equal(0, list.Count);
        Assert.True(list.First == null);
        Assert.True(list.FindLast() == null);
        byte[] k = InternalKey.Make(U(10), 1, EntryType.Value);
        Assert.True(list.FindGreaterOrEqual(k) == null);
        Assert.True(list.FindLessThan(k) == null);
    }

    [Fact]
    public void Insert_and_lookup_against_sorted_model()
    {
        // LevelDB skiplist_test InsertAndLookup.
        const int seed = 1000;
        const int n = 2000;
        const int r = 5000;
        var rng = new Random(seed);
        var list = new SkipList(new Arena(64 * 1024));
        var model = new SortedSet<byte[]>(Comparer<byte[]>.Create((a, b) => InternalKey.Compare(a, b)));
        ulong seq = 1;
        for (int i = 0; i < n; i++)
        {
            byte[] user = U(rng.Next(r));
            ulong s = seq++;
            EntryType t = rng.Next(3) == 0 ? EntryType.Deletion : EntryType.Value;
            list.Insert(user, s, t, System.Text.Encoding.ASCII.GetBytes("v" + s));
            model.Add(InternalKey.Make(user, s, t));
        }
        Assert.Equal(model.Count, list.Count);

        // Forward iteration matches the model, and values belong to their keys.
        var keys = new List<byte[]>();
        for (byte* node = list.First; node != null; node = SkipList.Next(node))
        {
            byte[] k = SkipList.KeyOf(node).ToArray();
            Assert.Equal("v" + InternalKey.Sequence(k), System.Text.Encoding.ASCII.GetString(SkipList.ValueOf(node)));
            keys.Add(k);
        }
        Assert.Equal(model.ToList(), keys);
        Assert.Equal(model.Max, SkipList.KeyOf(list.FindLast()).ToArray());

        // Seeks for random targets match the model's successor and predecessor.
        for (int i = 0; i < r; i += 7)
        {
            byte[] target = InternalKey.Make(U(i), (ulong)rng.Next(n + 2), EntryType.ForSeek);
            byte[]? ge = model.FirstOrDefault(k => InternalKey.Compare(k, target) >= 0);
            byte* node = list.FindGreaterOrEqual(target);
            if (ge is null)
            {
                Assert.True(node == null, $"seed {seed}, target {InternalKey.Describe(target)}");
            }
            else
            {
                Assert.True(node != null, $"seed {seed}, target {InternalKey.Describe(target)}");
                Assert.Equal(ge, SkipList.KeyOf(node).ToArray());
            }
            byte[]? lt = model.Reverse().FirstOrDefault(k => InternalKey.Compare(k, target) < 0);
            byte* before = list.FindLessThan(target);
            if (lt is null)
            {
                Assert.True(before == null, $"seed {seed}");
            }
            else
            {
                Assert.Equal(lt, SkipList.KeyOf(before).ToArray());
            }
        }
    }

    [Fact]
    public void Same_user_key_versions_newest_first()
    {
        var list = new SkipList(new Arena(4096));
        list.Insert("k"u8, 1, EntryType.Value, "one"u8);
        list.Insert("k"u8, 3, EntryType.Deletion, []);
        list.Insert("k"u8, 2, EntryType.Value, "two"u8);
        var seqs = new List<ulong>();
        for (byte* node = list.First; node != null; node = SkipList.Next(node))
        {
            seqs.Add(InternalKey.Sequence(SkipList.KeyOf(node)));
        }
        Assert.Equal(new ulong[] { 3, 2, 1 }, seqs);
    }

    [Fact]
    public void Empty_key_and_value_and_large_entries()
    {
        var list = new SkipList(new Arena(4096));
        byte[] bigValue = new byte[50_000];
        bigValue[^1] = 42;
        list.Insert([], 1, EntryType.Value, []);
        list.Insert("big"u8, 2, EntryType.Value, bigValue);
        byte* first = list.First;
        Assert.Equal(InternalKey.TrailerSize, SkipList.KeyOf(first).Length);
        Assert.Equal(0, SkipList.ValueOf(first).Length);
        byte* second = SkipList.Next(first);
        Assert.Equal(bigValue, SkipList.ValueOf(second).ToArray());
    }

    [Fact]
    public void Ascending_inserts_appended_without_a_search_interleave_correctly_with_inserts_before_the_end()
    {
        // Appends (a key past the last one) link in from the last node of each level; every other insert searches.
        // Mixed in every way, the list must stay in internal-key order at every level: a later search (which walks
        // the upper levels) and the level-0 walk must both agree with the model.
        var rng = new Random(20);
        var list = new SkipList(new Arena(64 * 1024));
        var model = new SortedSet<byte[]>(Comparer<byte[]>.Create((a, b) => InternalKey.Compare(a, b)));
        ulong seq = 1;
        void Add(int key)
        {
            byte[] user = U(key);
            ulong s = seq++;
            list.Insert(user, s, EntryType.Value, System.Text.Encoding.ASCII.GetBytes("v" + s));
            model.Add(InternalKey.Make(user, s, EntryType.Value));
        }
        for (int i = 0; i < 3000; i += 2)
        {
            Add(i); // ascending: every one is an append
        }
        for (int i = 0; i < 1000; i++)
        {
            Add(rng.Next(3000)); // before the end, or the same user key again (a newer version sorts first: not an append)
        }
        Add(2998); // the last user key again: sorts before its older version, so it must not be appended
        for (int i = 3000; i < 4000; i++)
        {
            Add(i); // appends again, after the random ones moved the last nodes of some levels
        }

        var walked = new List<byte[]>();
        for (byte* node = list.First; node != null; node = SkipList.Next(node))
        {
            walked.Add(SkipList.KeyOf(node).ToArray());
        }
        Assert.Equal(model.ToList(), walked);
        Assert.Equal(model.Max, SkipList.KeyOf(list.FindLast()).ToArray());
        foreach (byte[] k in model)
        {
            byte* found = list.FindGreaterOrEqual(k);
            Assert.True(found != null);
            Assert.Equal(k, SkipList.KeyOf(found).ToArray());
        }
    }
}
