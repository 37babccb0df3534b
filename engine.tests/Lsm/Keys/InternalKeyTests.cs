using System.Text;
using AimLsm.Kv.Keys;

namespace AimLsm.Tests.Lsm.Keys;

public class InternalKeyTests
{
    private static byte[] K(string user, ulong seq, EntryType type = EntryType.Value) =>
        InternalKey.Make(System.Text.Encoding.ASCII.GetBytes(user), seq, type);

    [Fact]
    public void Make_layout_is_user_key_then_little_endian_trailer()
    {
        byte[] k = K("ab", 0x0102030405, EntryType.Value);
        Assert.Equal(2 + InternalKey.TrailerSize, k.Length);
        Assert.Equal((byte)'a', k[0]);
        Assert.Equal((byte)'b', k[1]);
        Assert.Equal(new byte[] { 0x01, 0x05, 0x04, 0x03, 0x02, 0x01, 0x00, 0x00 }, k[2..]);
    }

    [Fact]
    public void Decode_round_trip()
    {
        // LevelDB dbformat_test EncodeDecode.
        string[] keys = ["", "k", "hello", "longggggggggggggggggggggg"];
        ulong[] seqs = [1, 2, 3, (1UL << 8) - 1, 1UL << 8, (1UL << 8) + 1, (1UL << 16) - 1, 1UL << 16, (1UL << 32) - 1, 1UL << 32, InternalKey.MaxSequence];
        foreach (string key in keys)
        {
            foreach (ulong seq in seqs)
            {
                foreach (EntryType t in new[] { EntryType.Value, EntryType.Deletion, EntryType.RangeDeletion })
                {
                    byte[] ik = K(key, seq, t);
                    Assert.Equal(key, System.Text.Encoding.ASCII.GetString(InternalKey.UserKey(ik)));
                    Assert.Equal(seq, InternalKey.Sequence(ik));
                    Assert.Equal(t, InternalKey.Type(ik));
                    Assert.Equal(InternalKey.PackTrailer(seq, t), InternalKey.Trailer(ik));
                }
            }
        }
    }

    [Fact]
    public void Compare_user_key_ascending()
    {
        Assert.True(InternalKey.Compare(K("a", 1), K("b", 100)) < 0);
        Assert.True(InternalKey.Compare(K("b", 100), K("a", 1)) > 0);
    }

    [Fact]
    public void Compare_shorter_prefix_first()
    {
        // The trailer must not take part in the user-key comparison: "a" + trailer vs "ab" + trailer.
        Assert.True(InternalKey.Compare(K("a", InternalKey.MaxSequence), K("ab", 0)) < 0);
        Assert.True(InternalKey.Compare(K("", 5), K("\0", 5)) < 0);
    }

    [Fact]
    public void Compare_unsigned_bytes()
    {
        byte[] low = InternalKey.Make([0x7F], 1, EntryType.Value);
        byte[] high = InternalKey.Make([0x80], 1, EntryType.Value);
        Assert.True(InternalKey.Compare(low, high) < 0);
    }

    [Fact]
    public void Compare_same_user_key_newer_sequence_first()
    {
        Assert.True(InternalKey.Compare(K("k", 100), K("k", 99)) < 0);
        Assert.True(InternalKey.Compare(K("k", 99), K("k", 100)) > 0);
        Assert.Equal(0, InternalKey.Compare(K("k", 7), K("k", 7)));
    }

    [Fact]
    public void Compare_same_sequence_higher_type_first_seek_key_sorts_before_every_type()
    {
        byte[] seek = K("k", 5, EntryType.ForSeek);
        Assert.True(InternalKey.Compare(seek, K("k", 5, EntryType.RangeDeletion)) < 0);
        Assert.True(InternalKey.Compare(seek, K("k", 5, EntryType.Value)) < 0);
        Assert.True(InternalKey.Compare(seek, K("k", 5, EntryType.Deletion)) < 0);
        Assert.True(InternalKey.Compare(K("k", 5, EntryType.Value), K("k", 5, EntryType.Deletion)) < 0);
        // ...but after every newer version.
        Assert.True(InternalKey.Compare(K("k", 6, EntryType.Deletion), seek) < 0);
    }

    [Fact]
    public void Compare_agrees_with_model_random()
    {
        const int seed = 8;
        var rng = new Random(seed);
        var keys = new List<byte[]>();
        for (int i = 0; i < 300; i++)
        {
            byte[] user = new byte[rng.Next(0, 4)];
            for (int j = 0; j < user.Length; j++)
            {
                user[j] = (byte)"ab\0\xff"[rng.Next(4)];
            }
            keys.Add(InternalKey.Make(user, (ulong)rng.Next(0, 5), rng.Next(2) == 0 ? EntryType.Value : EntryType.Deletion));
        }
        foreach (byte[] a in keys)
        {
            foreach (byte[] b in keys.Take(60))
            {
                int user = InternalKey.UserKey(a).SequenceCompareTo(InternalKey.UserKey(b));
                int expected = user != 0 ? Math.Sign(user) : Math.Sign(InternalKey.Trailer(b).CompareTo(InternalKey.Trailer(a)));
                Assert.True(expected == Math.Sign(InternalKey.Compare(a, b)), $"seed {seed}: {InternalKey.Describe(a)} vs {InternalKey.Describe(b)}");
            }
        }
    }

    [Fact]
    public void Describe_readable_and_tolerates_short_input()
    {
        Assert.Equal("6B @ 42 : Value", InternalKey.Describe(K("k", 42)));
        Assert.Contains("bad internal key", InternalKey.Describe([1, 2, 3]));
    }

    [Fact]
    public void Max_sequence_is_56_bits()
    {
        Assert.Equal((1UL << 56) - 1, InternalKey.MaxSequence);
        Assert.Equal(InternalKey.MaxSequence, InternalKey.Sequence(K("x", InternalKey.MaxSequence, EntryType.ForSeek)));
        Assert.Equal(EntryType.ForSeek, InternalKey.Type(K("x", InternalKey.MaxSequence, EntryType.ForSeek)));
    }
}
