using AimLsm.Kv.Keys;
using AimLsm.Kv.Sst;

namespace AimLsm.Tests.Lsm.Sst;

/// <summary>
/// <see cref="IndexSearch"/> against the index block's own search: the same entry for every target, over key sets
/// built to hit its edges (a long common prefix, keys shorter than the 8-byte word, many keys alike in their first 8
/// bytes after the prefix, targets outside the prefix), and null for an index it cannot serve.
/// </summary>
public class IndexSearchTests
{
    private const string File = "index.sst";

    private static byte[] Block(IReadOnlyList<byte[]> keys, int restartInterval)
    {
        var builder = new BlockBuilder(restartInterval);
        for (int i = 0; i < keys.Count; i++)
        {
            builder.Add(keys[i], new BlockHandle((ulong)i * 4096, 4000 + (ulong)i).Encode());
        }
        return builder.Finish().ToArray();
    }

    /// <summary>Sorted distinct internal keys, each user key <paramref name="prefix"/> + one of <paramref name="tails"/>.</summary>
    private static List<byte[]> Keys(Random rng, string prefix, Func<Random, string> tail, int count)
    {
        var set = new SortedSet<byte[]>(Comparer<byte[]>.Create((a, b) => InternalKey.Compare(a, b)));
        while (set.Count < count)
        {
            set.Add(InternalKey.Make(System.Text.Encoding.ASCII.GetBytes(prefix + tail(rng)), (ulong)rng.Next(1, 1000), EntryType.Value));
        }
        return [.. set];
    }

    public static TheoryData<string> Shapes => new() { "dbbench", "short", "alike", "mixed", "one" };

    private static List<byte[]> KeysOf(string shape, Random rng) => shape switch
    {
        // 16 ASCII digits, as db_bench writes them: a long common prefix, then distinct words.
        "dbbench" => Keys(rng, "00000000", r => r.Next(0, 99_999_999).ToString("D8", System.Globalization.CultureInfo.InvariantCulture), 400),
        // User keys shorter than the prefix plus 8 bytes: words padded with zeros, some equal ("a" and "a\0").
        "short" => Keys(rng, "k", r => new string((char)('a' + r.Next(3)), r.Next(0, 4)) + (r.Next(4) == 0 ? "\0" : ""), 30),
        // Keys alike for 8 bytes after the prefix and then different: many entries share one word.
        "alike" => Keys(rng, "run/", r => "sequence/" + r.Next(0, 4) + "/" + r.Next(0, 100_000), 300),
        // No common prefix at all.
        "mixed" => Keys(rng, "", r => ((char)r.Next(1, 255)).ToString() + r.Next(0, 1000), 300),
        "one" => Keys(rng, "only", _ => "", 1),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Seek_lands_on_the_entry_the_index_blocks_own_seek_lands_on(string shape)
    {
        var rng = new Random(shape.GetHashCode(StringComparison.Ordinal) & 0xffff);
        List<byte[]> keys = KeysOf(shape, rng);
        byte[] block = Block(keys, restartInterval: 1);
        IndexSearch? search = IndexSearch.TryBuild(block, File, 0);
        Assert.NotNull(search);
        Assert.Equal(keys.Count, search.Count);

        var reference = new BlockIterator(internalKeys: true);
        reference.Reset(block, 0, block.Length, File, 0);
        var targets = new List<byte[]>();
        foreach (byte[] k in keys)
        {
            byte[] user = InternalKey.UserKey(k).ToArray();
            ulong seq = InternalKey.Sequence(k);
            targets.Add(k);
            targets.Add(InternalKey.Make(user, seq + 1, EntryType.ForSeek)); // same user key, newer: before it
            targets.Add(InternalKey.Make(user, seq - 1, EntryType.ForSeek)); // older: after it
            targets.Add(InternalKey.Make([.. user, 0], ulong.MaxValue >> 8, EntryType.ForSeek));
            targets.Add(InternalKey.Make(user.AsSpan(0, rng.Next(user.Length + 1)).ToArray(), 5, EntryType.ForSeek));
        }
        for (int i = 0; i < 200; i++)
        {
            byte[] user = new byte[rng.Next(0, 24)];
            rng.NextBytes(user);
            targets.Add(InternalKey.Make(user, 7, EntryType.ForSeek));
        }
        targets.Add(InternalKey.Make([], 1, EntryType.ForSeek));
        targets.Add(InternalKey.Make([0xff, 0xff, 0xff], 1, EntryType.ForSeek));

        foreach (byte[] target in targets)
        {
            reference.Seek(target);
            int expected = reference.Valid ? keys.FindIndex(k => k.AsSpan().SequenceEqual(reference.Key)) : keys.Count;
            int actual = search.Seek(target);
            Assert.True(expected == actual, $"{shape}: target {InternalKey.Describe(target)}: the block's seek gives entry {expected}, the search {actual}");
            if (actual < keys.Count)
            {
                Assert.Equal(new BlockHandle((ulong)actual * 4096, 4000 + (ulong)actual), search.Handle(actual));
            }
        }
    }

    [Fact]
    public void The_prefix_is_what_every_index_key_shares()
    {
        List<byte[]> keys = KeysOf("dbbench", new Random(3));
        IndexSearch search = IndexSearch.TryBuild(Block(keys, 1), File, 0)!;
        Assert.StartsWith("00000000", System.Text.Encoding.ASCII.GetString(search.Prefix), StringComparison.Ordinal);
        Assert.All(keys, k => Assert.True(InternalKey.UserKey(k).StartsWith(search.Prefix)));
    }

    [Fact]
    public void An_index_with_entries_between_restart_points_gets_no_search()
    {
        List<byte[]> keys = KeysOf("dbbench", new Random(4));
        Assert.Null(IndexSearch.TryBuild(Block(keys, restartInterval: 16), File, 0));
    }

    [Fact]
    public void An_empty_index_finds_nothing()
    {
        IndexSearch search = IndexSearch.TryBuild(Block([], 1), File, 0)!;
        Assert.Equal(0, search.Count);
        Assert.Equal(0, search.Seek(InternalKey.Make("a"u8.ToArray(), 1, EntryType.ForSeek)));
    }

    [Fact]
    public void Tables_the_builder_writes_are_read_through_the_search_and_find_every_key()
    {
        var h = new TableHarness();
        var rng = new Random(5);
        List<byte[]> keys = KeysOf("alike", rng);
        h.Build("t.sst", keys.Select(k => (k, System.Text.Encoding.ASCII.GetBytes("v" + k.Length))), blockSize: 128);
        using TableReader table = h.Open("t.sst");
        Assert.NotNull(table.Search);
        Assert.True(table.Search.Count > 20, $"{table.Search.Count} blocks");
        // The newest version of each user key comes first in the table's order.
        foreach (byte[] k in keys.GroupBy(k => Convert.ToHexString(InternalKey.UserKey(k))).Select(g => g.First()))
        {
            var sink = new TableHarness.CaptureSink();
            byte[] seek = InternalKey.Make(InternalKey.UserKey(k).ToArray(), ulong.MaxValue >> 8, EntryType.ForSeek);
            Assert.True(table.Get(seek, 0, out EntryType type, out ulong seq, ref sink), InternalKey.Describe(k));
            Assert.Equal(InternalKey.Sequence(k), seq);
            Assert.Equal(EntryType.Value, type);
        }
        using var it = table.NewIterator();
        foreach (byte[] k in keys)
        {
            it.Seek(k);
            Assert.True(it.Valid);
            Assert.Equal(k, it.Key.ToArray());
        }
        it.Seek(InternalKey.Make([0xff], 1, EntryType.ForSeek));
        Assert.False(it.Valid);
    }
}
