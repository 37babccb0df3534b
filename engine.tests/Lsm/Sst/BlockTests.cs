using AimLsm.Kv;
using System.Buffers.Binary;
using System.Text;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Sst;

namespace AimLsm.Tests.Lsm.Sst;

public class BlockTests
{
    private const string File = "test.sst";

    private static byte[] Build(IEnumerable<(byte[] Key, byte[] Value)> entries, int restartInterval)
    {
        var builder = new BlockBuilder(restartInterval);
        foreach ((byte[] k, byte[] v) in entries)
        {
            builder.Add(k, v);
        }
        return builder.Finish().ToArray();
    }

    private static BlockIterator Open(byte[] block, bool internalKeys, long fileOffset = 0)
    {
        var it = new BlockIterator(internalKeys);
        it.Reset(block, 0, block.Length, File, fileOffset);
        return it;
    }

    /// <summary>Random distinct keys sharing prefixes (so prefix compression matters), sorted by the block's order.</summary>
    private static List<(byte[] Key, byte[] Value)> RandomEntries(Random rng, int count, bool internalKeys)
    {
        var comparer = Comparer<byte[]>.Create((a, b) => internalKeys ? InternalKey.Compare(a, b) : a.AsSpan().SequenceCompareTo(b));
        var keys = new SortedSet<byte[]>(comparer);
        string[] prefixes = ["", "a", "ab", "abc", "user/", "user/0001/", "zzzz"];
        while (keys.Count < count)
        {
            string user = prefixes[rng.Next(prefixes.Length)] + rng.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            byte[] k = System.Text.Encoding.ASCII.GetBytes(user);
            if (internalKeys)
            {
                k = InternalKey.Make(k, (ulong)rng.Next(1, 50), rng.Next(2) == 0 ? EntryType.Value : EntryType.Deletion);
            }
            keys.Add(k);
        }
        return keys.Select(k => (k, System.Text.Encoding.ASCII.GetBytes(new string('v', rng.Next(0, 20)) + k.Length))).ToList();
    }

    public static TheoryData<int, bool> Configurations => new()
    {
        { 1, true }, { 16, true }, { 1, false }, { 16, false }, { 3, true },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Random_keys_scan_seek_and_step_match_sorted_model(int restartInterval, bool internalKeys)
    {
        int seed = 1000 + (restartInterval * 2) + (internalKeys ? 1 : 0);
        var rng = new Random(seed);
        List<(byte[] Key, byte[] Value)> model = RandomEntries(rng, 500, internalKeys);
        byte[] block = Build(model, restartInterval);
        BlockIterator it = Open(block, internalKeys);
        Comparison<byte[]> cmp = internalKeys ? (a, b) => InternalKey.Compare(a, b) : (a, b) => a.AsSpan().SequenceCompareTo(b);

        // Forward.
        int i = 0;
        for (it.SeekToFirst(); it.Valid; it.Next(), i++)
        {
            Assert.True(model[i].Key.AsSpan().SequenceEqual(it.Key), $"seed {seed}, forward {i}");
            Assert.True(model[i].Value.AsSpan().SequenceEqual(it.Value), $"seed {seed}, forward value {i}");
        }
        Assert.Equal(model.Count, i);

        // Backward, across every restart point.
        i = model.Count - 1;
        for (it.SeekToLast(); it.Valid; it.Prev(), i--)
        {
            Assert.True(model[i].Key.AsSpan().SequenceEqual(it.Key), $"seed {seed}, backward {i}");
            Assert.True(model[i].Value.AsSpan().SequenceEqual(it.Value), $"seed {seed}, backward value {i}");
        }
        Assert.Equal(-1, i);

        // Seek to present and absent keys, then step both ways.
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] target = trial % 2 == 0 ? model[rng.Next(model.Count)].Key : RandomEntries(rng, 1, internalKeys)[0].Key;
            int expected = model.FindIndex(e => cmp(e.Key, target) >= 0);
            it.Seek(target);
            if (expected < 0)
            {
                Assert.False(it.Valid, $"seed {seed}, trial {trial}");
                continue;
            }
            Assert.True(it.Valid && model[expected].Key.AsSpan().SequenceEqual(it.Key), $"seed {seed}, trial {trial}");
            int pos = expected;
            for (int step = 0; step < 20 && it.Valid; step++)
            {
                if (rng.Next(2) == 0)
                {
                    it.Next();
                    pos++;
                }
                else
                {
                    it.Prev();
                    pos--;
                }
                if (pos < 0 || pos >= model.Count)
                {
                    Assert.False(it.Valid, $"seed {seed}, trial {trial}, step {step}");
                    break;
                }
                Assert.True(it.Valid && model[pos].Key.AsSpan().SequenceEqual(it.Key), $"seed {seed}, trial {trial}, step {step}");
            }
        }
    }

    [Fact]
    public void Seek_past_last_is_invalid_seek_before_first_is_first()
    {
        byte[] block = Build([(System.Text.Encoding.ASCII.GetBytes("b"), [1]), (System.Text.Encoding.ASCII.GetBytes("d"), [2])], 16);
        BlockIterator it = Open(block, internalKeys: false);
        it.Seek("e"u8);
        Assert.False(it.Valid);
        it.Seek("a"u8);
        Assert.Equal("b"u8.ToArray(), it.Key.ToArray());
        it.Seek("c"u8);
        Assert.Equal("d"u8.ToArray(), it.Key.ToArray());
        it.Prev();
        Assert.Equal("b"u8.ToArray(), it.Key.ToArray());
        it.Prev();
        Assert.False(it.Valid);
    }

    [Fact]
    public void Single_entry()
    {
        byte[] block = Build([(System.Text.Encoding.ASCII.GetBytes("only"), System.Text.Encoding.ASCII.GetBytes("v"))], 16);
        BlockIterator it = Open(block, internalKeys: false);
        it.SeekToLast();
        Assert.Equal("only"u8.ToArray(), it.Key.ToArray());
        it.Next();
        Assert.False(it.Valid);
        it.SeekToFirst();
        it.Prev();
        Assert.False(it.Valid);
    }

    [Fact]
    public void Layout_prefix_compression_and_restarts()
    {
        // docs/format.md "Blocks": shared, unshared, value length, key suffix, value; then restarts and their count.
        byte[] block = Build([("abc"u8.ToArray(), "1"u8.ToArray()), ("abd"u8.ToArray(), "2"u8.ToArray()), ("b"u8.ToArray(), "3"u8.ToArray())], 2);
        byte[] expected =
        [
            0, 3, 1, (byte)'a', (byte)'b', (byte)'c', (byte)'1',
            2, 1, 1, (byte)'d', (byte)'2',
            0, 1, 1, (byte)'b', (byte)'3', // third entry starts a restart: full key
            0, 0, 0, 0, 12, 0, 0, 0, 2, 0, 0, 0,
        ];
        Assert.Equal(expected, block);
    }

    [Fact]
    public void Builder_reset_and_estimated_size()
    {
        var builder = new BlockBuilder(16);
        Assert.True(builder.IsEmpty);
        Assert.Equal(8, builder.EstimatedSize);
        builder.Add("key"u8, "value"u8);
        Assert.Equal(1, builder.EntryCount);
        Assert.Equal("key"u8.ToArray(), builder.LastKey.ToArray());
        int size = builder.Finish().Length;
        Assert.Equal(3 + 3 + 5 + 8, size);
        builder.Reset();
        Assert.True(builder.IsEmpty);
        Assert.Equal(0, builder.EntryCount);
        builder.Add("a"u8, []);
        byte[] block = builder.Finish().ToArray();
        BlockIterator it = Open(block, internalKeys: false);
        it.SeekToFirst();
        Assert.Equal("a"u8.ToArray(), it.Key.ToArray());
        it.Next();
        Assert.False(it.Valid);
    }

    [Fact]
    public void Long_keys_and_values_grow_buffers()
    {
        byte[] k1 = new byte[5000];
        byte[] k2 = new byte[5000];
        k2[^1] = 1;
        byte[] v = new byte[20_000];
        v[^1] = 9;
        byte[] block = Build([(k1, v), (k2, v)], 16);
        BlockIterator it = Open(block, internalKeys: false);
        it.SeekToLast();
        Assert.Equal(k2, it.Key.ToArray());
        Assert.Equal(v, it.Value.ToArray());
        it.Prev();
        Assert.Equal(k1, it.Key.ToArray());
    }

    [Fact]
    public void Block_at_non_zero_offset_in_buffer()
    {
        byte[] block = Build([("x"u8.ToArray(), "1"u8.ToArray()), ("y"u8.ToArray(), "2"u8.ToArray())], 1);
        byte[] buffer = new byte[block.Length + 10];
        block.CopyTo(buffer, 7);
        var it = new BlockIterator(internalKeys: false);
        it.Reset(buffer, 7, block.Length, File, 0);
        it.SeekToLast();
        Assert.Equal("y"u8.ToArray(), it.Key.ToArray());
        Assert.Equal("2"u8.ToArray(), it.Value.ToArray());
    }

    [Fact]
    public void Empty_block_is_valid_and_empty()
    {
        // Regression: an empty block (one restart at offset 0, no entries) was rejected as "restart point past the entries".
        byte[] block = new BlockBuilder(16).Finish().ToArray();
        Assert.Equal(8, block.Length);
        BlockIterator it = Open(block, internalKeys: true);
        it.SeekToFirst();
        Assert.False(it.Valid);
        it.SeekToLast();
        Assert.False(it.Valid);
        it.Seek(InternalKey.Make("a"u8, 1, EntryType.ForSeek));
        Assert.False(it.Valid);
    }

    [Fact]
    public void Zero_restarts_is_empty()
    {
        BlockIterator it = Open(new byte[4], internalKeys: false);
        it.SeekToFirst();
        Assert.False(it.Valid);
        it.Seek("a"u8);
        Assert.False(it.Valid);
    }

    [Fact]
    public void Too_short_for_restart_count_throws()
    {
        var it = new BlockIterator(internalKeys: false);
        CorruptionException e = Assert.Throws<CorruptionException>(() => it.Reset(new byte[3], 0, 3, File, 100));
        Assert.Equal(File, e.File);
        Assert.Equal(100, e.Offset);
    }

    [Fact]
    public void Restart_count_too_large_throws_at_count_offset()
    {
        byte[] block = Build([("a"u8.ToArray(), "1"u8.ToArray())], 16);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(block.Length - 4), 1000);
        var it = new BlockIterator(internalKeys: false);
        CorruptionException e = Assert.Throws<CorruptionException>(() => it.Reset(block, 0, block.Length, File, 4096));
        Assert.Equal(4096 + block.Length - 4, e.Offset);
    }

    [Fact]
    public void Restart_point_past_entries_throws()
    {
        byte[] block = Build([("a"u8.ToArray(), "1"u8.ToArray())], 16);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(block.Length - 8), 500);
        BlockIterator it = Open(block, internalKeys: false, fileOffset: 64);
        CorruptionException e = Assert.Throws<CorruptionException>(it.SeekToFirst);
        Assert.InRange(e.Offset, 64, 64 + block.Length);
    }

    [Fact]
    public void Entry_lengths_past_block_throw()
    {
        byte[] block = Build([("a"u8.ToArray(), "1"u8.ToArray()), ("b"u8.ToArray(), "2"u8.ToArray())], 16);
        block[2] = 100; // first entry's value length
        BlockIterator it = Open(block, internalKeys: false, fileOffset: 10);
        CorruptionException e = Assert.Throws<CorruptionException>(it.SeekToFirst);
        Assert.Equal(10, e.Offset);
    }

    [Fact]
    public void Shared_longer_than_previous_key_throws()
    {
        byte[] block = Build([("a"u8.ToArray(), "1"u8.ToArray()), ("ab"u8.ToArray(), "2"u8.ToArray())], 16);
        block[5] = 9; // second entry's shared length (entry starts at 5)
        BlockIterator it = Open(block, internalKeys: false);
        it.SeekToFirst();
        CorruptionException e = Assert.Throws<CorruptionException>(it.Next);
        Assert.Equal(5, e.Offset);
    }

    [Fact]
    public void Internal_key_shorter_than_trailer_throws()
    {
        byte[] block = Build([("short"u8.ToArray(), "1"u8.ToArray())], 16);
        BlockIterator it = Open(block, internalKeys: true);
        Assert.Throws<CorruptionException>(it.SeekToFirst);
    }
}
