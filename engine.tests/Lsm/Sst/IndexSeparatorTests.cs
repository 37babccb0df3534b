using AimLsm.Kv.Keys;
using AimLsm.Kv.Sst;
using FsCheck;
using FsCheck.Fluent;

namespace AimLsm.Tests.Lsm.Sst;

/// <summary>
/// The index key between two data blocks is a short separator: for every pair of internal keys a &lt; b (the last
/// key of one block and the first of the next) it must satisfy a ≤ separator &lt; b, or a seek would pick the
/// wrong block. Keys from a small alphabet including 0x00 and 0xFF so that shared prefixes, ties and the
/// can't-increment byte are common.
/// </summary>
public class IndexSeparatorTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(2_000).WithQuietOnSuccess(true);

    private static readonly Gen<byte[]> UserKey =
        from n in Gen.Choose(0, 8)
        from bytes in Gen.ArrayOf(Gen.Elements<byte>(0x00, 0x01, 0x02, 0x61, 0x62, 0x63, 0xFE, 0xFF), n)
        select bytes;

    private static readonly Gen<byte[]> Key =
        from user in UserKey
        from seq in Gen.Choose(0, 1000)
        from type in Gen.Elements(EntryType.Value, EntryType.Deletion)
        select InternalKey.Make(user, (ulong)seq, type);

    [Fact]
    public void Separator_lies_between_the_two_blocks()
    {
        Property prop = Prop.ForAll(Arb.From(from a in Key from b in Key select (a, b)), pair =>
        {
            (byte[] x, byte[] y) = pair;
            int order = InternalKey.Compare(x, y);
            if (order == 0)
            {
                return;
            }

            (byte[] last, byte[] next) = order < 0 ? (x, y) : (y, x);
            byte[] separator = TableBuilder.ShortestSeparator(last, next).ToArray();
            Assert.True(InternalKey.Compare(last, separator) <= 0, $"separator {Convert.ToHexString(separator)} sorts before last {Convert.ToHexString(last)}");
            Assert.True(InternalKey.Compare(separator, next) < 0, $"separator {Convert.ToHexString(separator)} is not before next {Convert.ToHexString(next)}");
            Assert.True(separator.Length <= last.Length);
        });
        Check.One(Quick, prop);
    }

    [Fact]
    public void Separator_shortens_keys_that_differ_early()
    {
        byte[] last = InternalKey.Make("runs\u00fe0123abcd\u00feattrs\u00fehparams\u00felr\u00fe"u8, 7, EntryType.Value);
        byte[] next = InternalKey.Make("runs\u00fe0123abcf\u00feattrs\u00fe"u8, 9, EntryType.Value);
        byte[] separator = TableBuilder.ShortestSeparator(last, next).ToArray();
        Assert.Equal("runs\u00fe0123abce"u8.ToArray(), InternalKey.UserKey(separator).ToArray());
    }
}
