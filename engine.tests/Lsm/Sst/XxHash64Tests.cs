using AimLsm.Kv;
using System.Text;
using AimLsm.Kv.Sst;

namespace AimLsm.Tests.Lsm.Sst;

/// <summary>The filter hash is part of the format: it must be XXH64 with seed 0, bit for bit (System.IO.Hashing's,
/// since it replaced our own copy: these vectors pin it).</summary>
public class XxHash64Tests
{
    [Theory]
    [InlineData("", 0xEF46DB3751D8E999UL)]
    [InlineData("abc", 0x44BC2CF5AD770999UL)]
    [InlineData("Nobody inspects the spammish repetition", 0xFBCEA83C8A378BF1UL)] // 39 bytes: the 32-byte stripe path
    public void Reference_vectors(string input, ulong expected) =>
        Assert.Equal(expected, BloomFilter.KeyHash(System.Text.Encoding.ASCII.GetBytes(input)));

    [Fact]
    public void Every_length_up_to_100_is_stable_and_distinct()
    {
        byte[] data = Enumerable.Range(0, 100).Select(i => (byte)(i * 7)).ToArray();
        var seen = new HashSet<ulong>();
        for (int n = 0; n <= 100; n++)
        {
            ulong h = BloomFilter.KeyHash(data.AsSpan(0, n));
            Assert.Equal(h, BloomFilter.KeyHash(data.AsSpan(0, n).ToArray()));
            Assert.True(seen.Add(h));
        }
    }
}

/// <summary>
/// The fixture database's tables (engine.tests/testdata/lsm-dump/db) carry bloom filters written by the engine's
/// own XXH64 before System.IO.Hashing replaced it: every key read back through those filters proves the bytes on
/// disk are read with the same hash (a different one would make the filter deny most keys).
/// </summary>
public class FilterHashOnFixtureTablesTests
{
    [Fact]
    public void Every_key_of_the_fixture_tables_passes_their_filters()
    {
        using var dir = new AimLsm.Tests.Testing.TempDirectory();
        string copy = dir.CopyOf(AimLsm.Tests.LsmDump.LsmDumpFixture.Dir, "db");
        using Db db = Db.OpenReadOnly(copy);
        var keys = new List<byte[]>();
        using (Iterator it = db.NewIterator())
        {
            for (it.SeekToFirst(); it.Valid; it.Next())
            {
                keys.Add(it.Key.ToArray());
            }
        }
        Assert.True(keys.Count >= 20, $"the fixture holds {keys.Count} live keys");
        Assert.All(keys, k => Assert.NotNull(db.Get(k)));
    }
}
