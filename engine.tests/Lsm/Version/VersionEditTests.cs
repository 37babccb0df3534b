using System.Text;
using AimLsm.Kv.Common;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Versions;

namespace AimLsm.Tests.Lsm.Version;

public class VersionEditTests
{
    private static FileMetadata File(ulong number, string smallest, string largest, ulong smallSeq, ulong largeSeq, long size = 1000) =>
        new(number, size, InternalKey.Make(System.Text.Encoding.ASCII.GetBytes(smallest), smallSeq, EntryType.Value),
            InternalKey.Make(System.Text.Encoding.ASCII.GetBytes(largest), largeSeq, EntryType.Deletion), smallSeq, largeSeq);

    private static void AssertSame(VersionEdit expected, VersionEdit actual)
    {
        Assert.Equal(expected.Comparator, actual.Comparator);
        Assert.Equal(expected.LogNumber, actual.LogNumber);
        Assert.Equal(expected.NextFileNumber, actual.NextFileNumber);
        Assert.Equal(expected.LastSequence, actual.LastSequence);
        Assert.Equal(expected.DbFormatVersion, actual.DbFormatVersion);
        Assert.Equal(expected.DeletedFiles, actual.DeletedFiles);
        Assert.Equal(expected.NewFiles.Count, actual.NewFiles.Count);
        for (int i = 0; i < expected.NewFiles.Count; i++)
        {
            (int level, FileMetadata e) = expected.NewFiles[i];
            (int actualLevel, FileMetadata a) = actual.NewFiles[i];
            Assert.Equal(level, actualLevel);
            Assert.Equal(e.Number, a.Number);
            Assert.Equal(e.Size, a.Size);
            Assert.Equal(e.Smallest, a.Smallest);
            Assert.Equal(e.Largest, a.Largest);
            Assert.Equal(e.SmallestSequence, a.SmallestSequence);
            Assert.Equal(e.LargestSequence, a.LargestSequence);
        }
    }

    private static void TestEncodeDecode(VersionEdit edit)
    {
        // LevelDB version_edit_test: encode, decode, and encode again to the same bytes.
        byte[] encoded = edit.Encode();
        VersionEdit parsed = VersionEdit.Decode(encoded);
        AssertSame(edit, parsed);
        Assert.Equal(encoded, parsed.Encode());
    }

    [Fact]
    public void Empty_edit_encodes_to_nothing()
    {
        var edit = new VersionEdit();
        Assert.Empty(edit.Encode());
        TestEncodeDecode(edit);
    }

    [Fact]
    public void Encode_decode_all_fields()
    {
        const ulong big = 1UL << 50;
        var edit = new VersionEdit
        {
            Comparator = VersionEdit.ComparatorName,
            LogNumber = big + 100,
            NextFileNumber = big + 200,
            LastSequence = big + 1000,
            DbFormatVersion = VersionEdit.CurrentDbFormatVersion,
        };
        for (int i = 0; i < 4; i++)
        {
            TestEncodeDecode(edit);
            edit.NewFiles.Add((i + 3, File(big + 300 + (ulong)i, "foo", "zoo", big + 500 + (ulong)i, big + 600 + (ulong)i, long.MaxValue - i)));
            edit.DeletedFiles.Add((i, big + 700 + (ulong)i));
        }
        TestEncodeDecode(edit);
    }

    [Fact]
    public void Encode_decode_empty_and_binary_keys()
    {
        var edit = new VersionEdit();
        edit.NewFiles.Add((0, new FileMetadata(1, 0, [], [], 0, 0)));
        edit.NewFiles.Add((6, new FileMetadata(2, 5, [0, 0xFF, 0x80], [0xFF, 0xFF], ulong.MaxValue, ulong.MaxValue)));
        TestEncodeDecode(edit);
    }

    [Fact]
    public void Encode_decode_random()
    {
        const int seed = 777;
        var rng = new Random(seed);
        for (int trial = 0; trial < 200; trial++)
        {
            var edit = new VersionEdit();
            if (rng.Next(2) == 0)
            {
                edit.Comparator = "cmp" + rng.Next();
            }
            if (rng.Next(2) == 0)
            {
                edit.LogNumber = (ulong)rng.NextInt64();
            }
            if (rng.Next(2) == 0)
            {
                edit.NextFileNumber = (ulong)rng.NextInt64();
            }
            if (rng.Next(2) == 0)
            {
                edit.LastSequence = (ulong)rng.NextInt64() >> 8;
            }
            if (rng.Next(2) == 0)
            {
                edit.DbFormatVersion = (ulong)rng.Next(1, 5);
            }
            for (int i = rng.Next(5); i > 0; i--)
            {
                edit.DeletedFiles.Add((rng.Next(LsmVersionLevels), (ulong)rng.NextInt64()));
            }
            for (int i = rng.Next(5); i > 0; i--)
            {
                edit.NewFiles.Add((rng.Next(LsmVersionLevels), File((ulong)rng.NextInt64(), "a" + rng.Next(), "b" + rng.Next(), (ulong)rng.Next(), (ulong)rng.Next(), rng.NextInt64())));
            }
            try
            {
                TestEncodeDecode(edit);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"seed {seed}, trial {trial}", e);
            }
        }
    }

    private const int LsmVersionLevels = AimLsm.Kv.Versions.Version.NumLevels;

    private static byte[] Bytes(params ulong[] varints)
    {
        var list = new List<byte>();
        Span<byte> buf = stackalloc byte[Varint.MaxLength64];
        foreach (ulong v in varints)
        {
            list.AddRange(buf[..Varint.Write(buf, v)].ToArray());
        }
        return [.. list];
    }

    [Fact]
    public void Unknown_tag_below_safe_to_ignore_throws()
    {
        byte[] record = [.. Bytes(2, 5), .. Bytes(99, 1)];
        FormatException e = Assert.Throws<FormatException>(() => VersionEdit.Decode(record));
        Assert.Contains("99", e.Message);
        Assert.Contains("offset 2", e.Message);
    }

    [Fact]
    public void Unknown_tag_just_below_safe_to_ignore_bit_throws()
    {
        Assert.Throws<FormatException>(() => VersionEdit.Decode(Bytes(VersionEdit.SafeToIgnoreMask - 1, 0)));
    }

    [Fact]
    public void Unknown_tag_with_safe_to_ignore_bit_is_skipped()
    {
        // RocksDB: tags with the 1 << 13 bit carry a length and may be skipped (DbId, WAL additions, ...).
        byte[] record =
        [
            .. Bytes(2, 5),
            .. Bytes(VersionEdit.SafeToIgnoreMask | 1, 3), 0xAA, 0xBB, 0xCC,
            .. Bytes(VersionEdit.SafeToIgnoreMask + 100, 0),
            .. Bytes(4, 77),
        ];
        VersionEdit edit = VersionEdit.Decode(record);
        Assert.Equal(5UL, edit.LogNumber);
        Assert.Equal(77UL, edit.LastSequence);
    }

    [Fact]
    public void Regression_tag_above_32_bits_is_rejected_not_truncated()
    {
        // (1 << 32) + 2 would read as tag 2 (log number) if truncated to 32 bits.
        FormatException e = Assert.Throws<FormatException>(() => VersionEdit.Decode(Bytes((1UL << 32) + 2, 5)));
        Assert.Contains("offset 0", e.Message);
    }

    [Fact]
    public void Ignorable_tag_length_past_end_throws()
    {
        byte[] record = [.. Bytes(VersionEdit.SafeToIgnoreMask, 10), 1, 2];
        Assert.Throws<FormatException>(() => VersionEdit.Decode(record));
    }

    [Fact]
    public void File_size_above_long_max_throws()
    {
        byte[] record = [.. Bytes(7, 1, 9, ulong.MaxValue, 0, 0, 1, 2)];
        Assert.Contains("size", Assert.Throws<FormatException>(() => VersionEdit.Decode(record)).Message);
    }

    [Fact]
    public void Level_out_of_range_throws()
    {
        Assert.Throws<FormatException>(() => VersionEdit.Decode(Bytes(6, LsmVersionLevels, 1)));
        Assert.Contains("level", Assert.Throws<FormatException>(() => VersionEdit.Decode(Bytes(7, 99))).Message);
    }

    [Fact]
    public void Every_truncation_throws_or_decodes_prefix_never_misreads()
    {
        var edit = new VersionEdit { Comparator = "c", LogNumber = 300, NextFileNumber = 301, LastSequence = 70000 };
        edit.NewFiles.Add((1, File(5, "a", "b", 1, 2)));
        edit.DeletedFiles.Add((0, 4));
        byte[] full = edit.Encode();
        int failures = 0;
        for (int len = 0; len < full.Length; len++)
        {
            try
            {
                VersionEdit partial = VersionEdit.Decode(full.AsSpan(0, len));
                // A cut exactly between fields decodes a prefix of the edit; it never invents a file.
                Assert.True(partial.NewFiles.Count <= 1);
                if (partial.NewFiles.Count == 1)
                {
                    Assert.Equal(5UL, partial.NewFiles[0].File.Number);
                }
            }
            catch (FormatException)
            {
                failures++;
            }
        }
        Assert.True(failures > full.Length / 2);
    }

    [Fact]
    public void Comparator_is_level_db_bytewise()
    {
        Assert.Equal("leveldb.BytewiseComparator", VersionEdit.ComparatorName);
    }
}
