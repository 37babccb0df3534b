using System.Buffers.Binary;
using AimLsm.Kv.Common;
using AimLsm.Kv.Wal;

namespace AimLsm.Tests.Lsm.Wal;

/// <summary>
/// LevelDB's log_test catalogue, ported. LevelDB asserts on the reporter's dropped-byte count and message; here the
/// reader reports a <see cref="LogProblem"/>, and the tests assert its kind and offset.
/// </summary>
public class LogTests
{
    private const int BlockSize = LogFormat.BlockSize;
    private const int HeaderSize = LogFormat.HeaderSize;

    private static void AssertSingleProblem(LogHarness h, LogProblemKind kind, long offset)
    {
        AssertSingleProblem(h, kind);
        Assert.Equal(offset, h.Problems[0].Offset);
    }

    /// <summary>
    /// Kind only: the offset of a problem found at a fragment that opens a block is wrong today; see
    /// <see cref="Regression_fragment_offset_taken_before_block_is_read"/>.
    /// </summary>
    private static void AssertSingleProblem(LogHarness h, LogProblemKind kind)
    {
        Assert.True(h.Problems.Count == 1, $"expected one problem, got: {h.ProblemsText()}");
        Assert.Equal(kind, h.Problems[0].Kind);
    }

    [Fact]
    public void Empty()
    {
        var h = new LogHarness();
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void ReadWrite()
    {
        var h = new LogHarness();
        h.Write("foo");
        h.Write("bar");
        h.Write("");
        h.Write("xxxx");
        Assert.Equal("foo", h.Read());
        Assert.Equal("bar", h.Read());
        Assert.Equal("", h.Read());
        Assert.Equal("xxxx", h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Equal("EOF", h.Read()); // Make sure reads at eof work
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Many_blocks()
    {
        var h = new LogHarness();
        for (int i = 0; i < 100_000; i++)
        {
            h.Write(LogHarness.NumberString(i));
        }
        Assert.True(h.WrittenBytes > 10 * BlockSize);
        for (int i = 0; i < 100_000; i++)
        {
            Assert.Equal(LogHarness.NumberString(i), h.Read());
        }
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Split_record_writes_the_bytes_of_its_concatenation()
    {
        // A record written as head + tail (a large value straight from its writer's buffer) must be byte for byte
        // the record of their concatenation: same fragments, same checksums, so replay cannot tell them apart.
        var whole = new LogHarness();
        var split = new LogHarness();
        var random = new Random(14);
        int[] lengths = [0, 1, 100, BlockSize - HeaderSize, BlockSize - HeaderSize + 1, 3 * BlockSize + 17, 200_000];
        foreach (int length in lengths)
        {
            byte[] record = new byte[length];
            random.NextBytes(record);
            foreach (int cut in new[] { 0, length / 3, length - Math.Min(length, 5), length }.Distinct())
            {
                whole.Write(record);
                split.Writer.AddRecord(record.AsSpan(0, cut), record.AsSpan(cut));
            }
        }

        Assert.Equal(whole.Contents(), split.Contents());
        foreach (int length in lengths)
        {
            for (int i = 0; i < new[] { 0, length / 3, length - Math.Min(length, 5), length }.Distinct().Count(); i++)
            {
                Assert.Equal(length, split.Read().Length);
            }
        }

        Assert.Equal("EOF", split.Read());
        Assert.Empty(split.Problems);
    }

    [Fact]
    public void Fragmentation()
    {
        var h = new LogHarness();
        h.Write("small");
        h.Write(LogHarness.BigString("medium", 50_000));
        h.Write(LogHarness.BigString("large", 100_000));
        Assert.Equal("small", h.Read());
        Assert.Equal(LogHarness.BigString("medium", 50_000), h.Read());
        Assert.Equal(LogHarness.BigString("large", 100_000), h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Marginal_trailer()
    {
        // Make a trailer that is exactly the same length as an empty record.
        var h = new LogHarness();
        int n = BlockSize - (2 * HeaderSize);
        h.Write(LogHarness.BigString("foo", n));
        Assert.Equal(BlockSize - HeaderSize, h.WrittenBytes);
        h.Write("");
        h.Write("bar");
        Assert.Equal(LogHarness.BigString("foo", n), h.Read());
        Assert.Equal("", h.Read());
        Assert.Equal("bar", h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Marginal_trailer_2()
    {
        // Exactly a header's worth of space left: the next record starts with an empty FIRST fragment there.
        var h = new LogHarness();
        int n = BlockSize - (2 * HeaderSize);
        h.Write(LogHarness.BigString("foo", n));
        Assert.Equal(BlockSize - HeaderSize, h.WrittenBytes);
        h.Write("bar");
        Assert.Equal(LogHarness.BigString("foo", n), h.Read());
        Assert.Equal("bar", h.Read());
        Assert.Equal(BlockSize - HeaderSize, h.Reader.LastRecordOffset);
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Short_trailer()
    {
        var h = new LogHarness();
        int n = BlockSize - (2 * HeaderSize) + 4;
        h.Write(LogHarness.BigString("foo", n));
        Assert.Equal(BlockSize - HeaderSize + 4, h.WrittenBytes);
        h.Write("");
        // The three bytes left in the block were zero-filled and the empty record went to the next block.
        Assert.Equal(BlockSize + HeaderSize, h.WrittenBytes);
        Assert.Equal(new byte[3], h.Contents().AsSpan(BlockSize - 3, 3).ToArray());
        h.Write("bar");
        Assert.Equal(LogHarness.BigString("foo", n), h.Read());
        Assert.Equal("", h.Read());
        Assert.Equal("bar", h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Aligned_eof()
    {
        var h = new LogHarness();
        int n = BlockSize - (2 * HeaderSize) + 4;
        h.Write(LogHarness.BigString("foo", n));
        Assert.Equal(BlockSize - HeaderSize + 4, h.WrittenBytes);
        Assert.Equal(LogHarness.BigString("foo", n), h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Record_of_block_size_minus_header_fills_block_exactly()
    {
        var h = new LogHarness();
        string exact = LogHarness.BigString("x", BlockSize - HeaderSize);
        h.Write(exact);
        Assert.Equal(BlockSize, h.WrittenBytes);
        Assert.Equal((byte)RecordType.Full, h.Contents()[6]);
        h.Write("next");
        Assert.Equal(BlockSize + HeaderSize + 4, h.WrittenBytes);
        Assert.Equal(exact, h.Read());
        Assert.Equal(BlockSize, h.Reader.EndOfLastRecord);
        Assert.Equal("next", h.Read());
        Assert.Equal(BlockSize + HeaderSize + 4, h.Reader.EndOfLastRecord);
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Record_of_block_size_minus_header_alone_is_whole_file()
    {
        // The file is exactly one full block: the reader must not mistake it for more to come.
        var h = new LogHarness();
        string exact = LogHarness.BigString("y", BlockSize - HeaderSize);
        h.Write(exact);
        Assert.Equal(exact, h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Open_for_append()
    {
        // A second writer over the same file continues the block layout where the first stopped.
        var h = new LogHarness();
        h.Write("hello");
        var second = new LogWriter(h.File);
        second.AddRecord("world"u8);
        Assert.Equal("hello", h.Read());
        Assert.Equal("world", h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Open_for_append_near_block_end_pads_trailer()
    {
        var h = new LogHarness();
        h.Write(LogHarness.BigString("a", BlockSize - HeaderSize - 3)); // leaves 3 bytes
        var second = new LogWriter(h.File);
        second.AddRecord("b"u8);
        Assert.Equal(BlockSize + HeaderSize + 1, h.WrittenBytes);
        Assert.Equal(LogHarness.BigString("a", BlockSize - HeaderSize - 3), h.Read());
        Assert.Equal("b", h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Random_read()
    {
        const int seed = 301;
        const int n = 500;
        var h = new LogHarness();
        var writeRnd = new Random(seed);
        for (int i = 0; i < n; i++)
        {
            h.Write(LogHarness.RandomSkewedString(i, writeRnd));
        }
        var readRnd = new Random(seed);
        for (int i = 0; i < n; i++)
        {
            string expected = LogHarness.RandomSkewedString(i, readRnd);
            string actual = h.Read();
            Assert.True(expected == actual, $"seed {seed}, record {i}: lengths {expected.Length} vs {actual.Length}");
        }
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Header_is_masked_crc_length_type()
    {
        // docs/format.md "Log files": masked CRC32C of type + payload (u32 LE), length (u16 LE), type.
        var h = new LogHarness();
        h.Write("foo");
        byte[] d = h.Contents();
        Assert.Equal(HeaderSize + 3, d.Length);
        Assert.Equal(Checksum.Mask(Checksum.Compute([(byte)RecordType.Full, (byte)'f', (byte)'o', (byte)'o'])),
            BinaryPrimitives.ReadUInt32LittleEndian(d));
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(4)));
        Assert.Equal((byte)RecordType.Full, d[6]);
    }

    [Fact]
    public void Empty_record_is_one_full_fragment()
    {
        var h = new LogHarness();
        h.Write("");
        Assert.Equal(HeaderSize, h.WrittenBytes);
        Assert.Equal((byte)RecordType.Full, h.Contents()[6]);
    }

    [Fact]
    public void Fragment_types_first_middle_last()
    {
        var h = new LogHarness();
        h.Write(LogHarness.BigString("z", (2 * BlockSize) + 10));
        byte[] d = h.Contents();
        Assert.Equal((byte)RecordType.First, d[6]);
        Assert.Equal((byte)RecordType.Middle, d[BlockSize + 6]);
        Assert.Equal((byte)RecordType.Last, d[(2 * BlockSize) + 6]);
        Assert.Equal(LogHarness.BigString("z", (2 * BlockSize) + 10), h.Read());
        Assert.Equal(h.WrittenBytes, h.Reader.EndOfLastRecord);
    }

    [Fact]
    public void Checksum_mismatch()
    {
        var h = new LogHarness();
        h.Write("foo");
        h.IncrementByte(0, 10);
        Assert.Equal("EOF", h.Read());
        AssertSingleProblem(h, LogProblemKind.Corruption, 0);
        Assert.Equal(10, h.DroppedBytes);
        Assert.Contains("checksum", h.Problems[0].Reason);
    }

    [Fact]
    public void Checksum_mismatch_in_payload_resumes_at_next_block()
    {
        var h = new LogHarness();
        h.Write("foo");
        h.Write("bar");
        h.Write(LogHarness.BigString("pad", BlockSize)); // pushes "baz" into a later block
        h.Write("baz");
        h.IncrementByte(HeaderSize + 1, 1); // damage "foo"'s payload
        Assert.Equal("baz", h.Read());
        Assert.Equal("EOF", h.Read());
        // Everything after the bad fragment in its block is distrusted: "bar" and the first fragment of the pad are lost,
        // and the orphaned LAST fragment of the pad is reported in the next block.
        Assert.Equal(LogProblemKind.Corruption, h.Problems[0].Kind);
        Assert.Equal(0, h.Problems[0].Offset);
        Assert.All(h.Problems, p => Assert.Equal(LogProblemKind.Corruption, p.Kind));
    }

    [Fact]
    public void Bad_record_type()
    {
        var h = new LogHarness();
        h.Write("foo");
        // Type is stored in header[6]
        h.IncrementByte(6, 100);
        h.FixChecksum(0, 3);
        Assert.Equal("EOF", h.Read());
        AssertSingleProblem(h, LogProblemKind.Corruption, 0);
        Assert.Contains("type", h.Problems[0].Reason);
    }

    [Fact]
    public void Bad_record_type_next_record_in_block_still_read()
    {
        var h = new LogHarness();
        h.Write("foo");
        h.Write("bar");
        h.IncrementByte(6, 100);
        h.FixChecksum(0, 3);
        Assert.Equal("bar", h.Read());
        Assert.Equal(HeaderSize + 3, h.Reader.LastRecordOffset);
        AssertSingleProblem(h, LogProblemKind.Corruption, 0);
    }

    [Fact]
    public void Truncated_trailing_record_is_ignored()
    {
        var h = new LogHarness();
        h.Write("foo");
        h.ShrinkSize(4); // Drop all payload as well as a header byte
        Assert.Equal("EOF", h.Read());
        AssertSingleProblem(h, LogProblemKind.TruncatedTail, 0);
    }

    [Fact]
    public void Truncated_trailing_record_is_ignored_after_good_record()
    {
        var h = new LogHarness();
        h.Write("good");
        h.Write("foo");
        h.ShrinkSize(4);
        Assert.Equal("good", h.Read());
        Assert.Equal("EOF", h.Read());
        AssertSingleProblem(h, LogProblemKind.TruncatedTail, HeaderSize + 4);
        Assert.Equal(HeaderSize + 4, h.Reader.EndOfLastRecord);
    }

    [Fact]
    public void Bad_length()
    {
        var h = new LogHarness();
        const int payloadSize = BlockSize - HeaderSize;
        h.Write(LogHarness.BigString("bar", payloadSize));
        h.Write("foo");
        // Least significant size byte is stored in header[4].
        h.IncrementByte(4, 1);
        Assert.Equal("foo", h.Read());
        AssertSingleProblem(h, LogProblemKind.Corruption, 0);
        Assert.Equal(BlockSize, h.DroppedBytes);
        Assert.Contains("length", h.Problems[0].Reason);
    }

    [Fact]
    public void Bad_length_at_end_is_ignored()
    {
        var h = new LogHarness();
        h.Write("foo");
        h.ShrinkSize(1);
        Assert.Equal("EOF", h.Read());
        AssertSingleProblem(h, LogProblemKind.TruncatedTail, 0);
    }

    [Fact]
    public void Unexpected_middle_type()
    {
        var h = new LogHarness();
        h.Write("foo");
        h.SetByte(6, (byte)RecordType.Middle);
        h.FixChecksum(0, 3);
        Assert.Equal("EOF", h.Read());
        AssertSingleProblem(h, LogProblemKind.Corruption);
        Assert.Equal(10, h.DroppedBytes);
    }

    [Fact]
    public void Unexpected_last_type()
    {
        var h = new LogHarness();
        h.Write("foo");
        h.SetByte(6, (byte)RecordType.Last);
        h.FixChecksum(0, 3);
        Assert.Equal("EOF", h.Read());
        AssertSingleProblem(h, LogProblemKind.Corruption);
        Assert.Equal(10, h.DroppedBytes);
    }

    [Fact]
    public void Unexpected_full_type()
    {
        var h = new LogHarness();
        h.Write("foo");
        h.Write("bar");
        h.SetByte(6, (byte)RecordType.First);
        h.FixChecksum(0, 3);
        Assert.Equal("bar", h.Read());
        Assert.Equal("EOF", h.Read());
        AssertSingleProblem(h, LogProblemKind.Corruption);
    }

    [Fact]
    public void Unexpected_first_type()
    {
        var h = new LogHarness();
        h.Write("foo");
        h.Write(LogHarness.BigString("bar", 100_000));
        h.SetByte(6, (byte)RecordType.First);
        h.FixChecksum(0, 3);
        Assert.Equal(LogHarness.BigString("bar", 100_000), h.Read());
        Assert.Equal(HeaderSize + 3, h.Reader.LastRecordOffset);
        Assert.Equal("EOF", h.Read());
        AssertSingleProblem(h, LogProblemKind.Corruption);
    }

    [Fact]
    public void Missing_last_is_ignored()
    {
        var h = new LogHarness();
        h.Write(LogHarness.BigString("bar", BlockSize));
        // Remove the LAST block, including header.
        h.ShrinkSize(14);
        Assert.Equal("EOF", h.Read());
        AssertSingleProblem(h, LogProblemKind.TruncatedTail);
    }

    [Fact]
    public void Partial_last_is_ignored()
    {
        var h = new LogHarness();
        h.Write(LogHarness.BigString("bar", BlockSize));
        // Cause a bad record length in the LAST block.
        h.ShrinkSize(1);
        Assert.Equal("EOF", h.Read());
        Assert.NotEmpty(h.Problems);
        Assert.All(h.Problems, p => Assert.Equal(LogProblemKind.TruncatedTail, p.Kind));
    }

    [Fact]
    public void Partial_last_is_ignored_reports_the_torn_record_once()
    {
        var h = new LogHarness();
        h.Write(LogHarness.BigString("bar", BlockSize));
        h.ShrinkSize(1);
        long fileSize = h.WrittenBytes - 1;
        Assert.Equal("EOF", h.Read());
        AssertSingleProblem(h, LogProblemKind.TruncatedTail);
        Assert.True(h.DroppedBytes <= fileSize, $"dropped {h.DroppedBytes} of a {fileSize}-byte file: {h.ProblemsText()}");
    }

    [Fact]
    public void Error_joins_records()
    {
        // Consider two fragmented records:
        //    first(R1) last(R1) first(R2) last(R2)
        // where the middle two fragments disappear. We do not want first(R1),last(R2) to get joined and returned
        // as a valid record.
        var h = new LogHarness();
        h.Write(LogHarness.BigString("foo", BlockSize));
        h.Write(LogHarness.BigString("bar", BlockSize));
        h.Write("correct");
        // Wipe the middle block
        h.Mutate(d => d.AsSpan(BlockSize, BlockSize).Fill((byte)'x'));
        Assert.Equal("correct", h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.NotEmpty(h.Problems);
        Assert.All(h.Problems, p => Assert.Equal(LogProblemKind.Corruption, p.Kind));
    }

    [Fact]
    public void Error_joins_records_reports_every_dropped_byte()
    {
        // LevelDB's Error_joins_records also checks the reporter saw the whole of both damaged records.
        var h = new LogHarness();
        h.Write(LogHarness.BigString("foo", BlockSize));
        h.Write(LogHarness.BigString("bar", BlockSize));
        h.Write("correct");
        h.Mutate(d => d.AsSpan(BlockSize, BlockSize).Fill((byte)'x'));
        Assert.Equal("correct", h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.True(h.DroppedBytes >= 2 * BlockSize && h.DroppedBytes <= (2 * BlockSize) + 100, h.ProblemsText());
        // The first record lost starts at offset 0, not at the damaged block.
        Assert.Equal(0, h.Problems.Min(p => p.Offset));
    }

    [Fact]
    public void Zeroed_space_to_the_end_of_the_file_is_its_clean_end()
    {
        // What a mapped writer (MappedAppendFile) leaves when it is killed: the space it reserved and never reached.
        var h = new LogHarness();
        h.Write("foo");
        h.Write("bar");
        byte[] d = h.Contents();
        h.Replace([.. d, .. new byte[1000]]);
        Assert.Equal("foo", h.Read());
        Assert.Equal("bar", h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Zeroed_space_to_the_end_of_the_file_across_blocks_is_its_clean_end()
    {
        var h = new LogHarness();
        h.Write("foo");
        byte[] d = h.Contents();
        h.Replace([.. d, .. new byte[(2 * BlockSize) + 100]]);
        Assert.Equal("foo", h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Zeroed_space_followed_by_a_nonzero_byte_is_damage()
    {
        var h = new LogHarness();
        h.Write("foo");
        byte[] d = h.Contents();
        byte[] rest = new byte[(2 * BlockSize) + 100];
        rest[^1] = 1;
        h.Replace([.. d, .. rest]);
        Assert.Equal("foo", h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Equal(LogProblemKind.ZeroedSpace, h.Problems[0].Kind);
        Assert.Equal(HeaderSize + 3, h.Problems[0].Offset);
    }

    [Theory]
    [InlineData(3)]             // inside the header: a checksum with no length or type yet
    [InlineData(HeaderSize)]    // the header whole, no payload
    [InlineData(HeaderSize + 2)] // part of the payload
    public void A_record_cut_short_by_zeros_to_the_end_is_a_torn_tail(int written)
    {
        // A writer killed while copying a record into a mapped file: a prefix of the record, then the reserved zeros.
        var h = new LogHarness();
        h.Write("foo");
        h.Write("barbaz");
        byte[] d = h.Contents();
        int second = HeaderSize + 3;
        byte[] torn = new byte[second + 5000];
        d.AsSpan(0, second + written).CopyTo(torn);
        h.Replace(torn);
        Assert.Equal("foo", h.Read());
        Assert.Equal("EOF", h.Read());
        AssertSingleProblem(h, LogProblemKind.TruncatedTail, second);
        Assert.InRange(h.DroppedBytes, 1, written); // to its last byte that is not zero
    }

    [Fact]
    public void A_fragmented_record_cut_short_by_zeros_to_the_end_is_a_torn_tail()
    {
        var h = new LogHarness();
        h.Write("foo");
        h.Write(LogHarness.BigString("big", BlockSize + 100)); // FIRST in block 0, LAST in block 1
        byte[] d = h.Contents();
        h.Replace([.. d.AsSpan(0, BlockSize), .. new byte[BlockSize + 5000]]); // the LAST never written
        Assert.Equal("foo", h.Read());
        Assert.Equal("EOF", h.Read());
        AssertSingleProblem(h, LogProblemKind.TruncatedTail, HeaderSize + 3);
        Assert.Equal(BlockSize - HeaderSize - 3, h.DroppedBytes);
    }

    [Fact]
    public void A_damaged_last_record_with_no_zeros_after_it_stays_corruption()
    {
        // The file ends with the record: nothing says a writer stopped inside it.
        var h = new LogHarness();
        h.Write("foo");
        h.Write("bar\0\0");
        h.IncrementByte(HeaderSize + 3 + HeaderSize, 1);
        Assert.Equal("foo", h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Equal(LogProblemKind.Corruption, h.Problems[0].Kind);
    }

    [Fact]
    public void A_damaged_record_before_zeros_it_does_not_reach_stays_corruption()
    {
        // Zeros begin after the fragment's whole claimed length: the record was written whole, then damaged.
        var h = new LogHarness();
        h.Write("foo");
        h.Write("barbaz");
        byte[] d = h.Contents();
        d[HeaderSize + 3 + HeaderSize] ^= 0x40;
        h.Replace([.. d, .. new byte[5000]]);
        Assert.Equal("foo", h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Equal(LogProblemKind.Corruption, h.Problems[0].Kind);
    }

    [Fact]
    public void Zeroed_space_then_records_in_next_block_are_read()
    {
        // Lost file data in the middle: the reader skips the zeroed rest of the block and goes on.
        var h = new LogHarness();
        h.Write("foo");
        h.Write(LogHarness.BigString("pad", BlockSize - (2 * HeaderSize) - 6)); // leaves 3 bytes, so "after" starts the next block
        h.Write("after");
        Assert.True(h.WrittenBytes > BlockSize);
        h.Mutate(d => d.AsSpan(HeaderSize + 3, BlockSize - HeaderSize - 3).Clear());
        Assert.Equal("foo", h.Read());
        Assert.Equal("after", h.Read());
        Assert.Equal("EOF", h.Read());
        Assert.Equal(LogProblemKind.ZeroedSpace, h.Problems[0].Kind);
        Assert.Equal(HeaderSize + 3, h.Problems[0].Offset);
    }

    public static TheoryData<string> FragmentOffsetScenarios => new()
    {
        "FirstRecordOfFile",
        "RecordOpeningSecondBlock",
        "FragmentedRecord",
        "Unexpected_middle_type",
        "Unexpected_last_type",
        "Unexpected_full_type",
        "Unexpected_first_type",
        "Missing_last_is_ignored",
        "Partial_last_is_ignored",
    };

    /// <summary>
    /// Regression: ReadRecord takes a fragment's offset (<c>_blockStart + _pos</c>) before ReadFragment may load the
    /// next block, so a fragment that opens a block is placed at the previous block's end: -32768 for the first record
    /// of a file. LastRecordOffset and the offsets of problems found at such fragments are wrong.
    /// </summary>
    [Theory]
    [MemberData(nameof(FragmentOffsetScenarios))]
    public void Regression_fragment_offset_taken_before_block_is_read(string scenario)
    {
        var h = new LogHarness();
        switch (scenario)
        {
            case "FirstRecordOfFile":
                h.Write("foo");
                Assert.Equal("foo", h.Read());
                Assert.Equal(0, h.Reader.LastRecordOffset);
                break;
            case "RecordOpeningSecondBlock":
                h.Write(LogHarness.BigString("foo", BlockSize - (2 * HeaderSize) + 4)); // leaves 3 bytes of trailer
                h.Write("bar");
                Assert.Equal(LogHarness.BigString("foo", BlockSize - (2 * HeaderSize) + 4), h.Read());
                Assert.Equal("bar", h.Read());
                Assert.Equal(BlockSize, h.Reader.LastRecordOffset);
                break;
            case "FragmentedRecord":
                h.Write(LogHarness.BigString("z", (2 * BlockSize) + 10));
                Assert.Equal(LogHarness.BigString("z", (2 * BlockSize) + 10), h.Read());
                Assert.Equal(0, h.Reader.LastRecordOffset);
                break;
            case "Unexpected_middle_type":
            case "Unexpected_last_type":
                h.Write("foo");
                h.SetByte(6, (byte)(scenario == "Unexpected_middle_type" ? RecordType.Middle : RecordType.Last));
                h.FixChecksum(0, 3);
                Assert.Equal("EOF", h.Read());
                AssertSingleProblem(h, LogProblemKind.Corruption, 0);
                break;
            case "Unexpected_full_type":
                h.Write("foo");
                h.Write("bar");
                h.SetByte(6, (byte)RecordType.First);
                h.FixChecksum(0, 3);
                Assert.Equal("bar", h.Read());
                AssertSingleProblem(h, LogProblemKind.Corruption, 0);
                Assert.Equal(10, h.DroppedBytes);
                break;
            case "Unexpected_first_type":
                h.Write("foo");
                h.Write(LogHarness.BigString("bar", 100_000));
                h.SetByte(6, (byte)RecordType.First);
                h.FixChecksum(0, 3);
                Assert.Equal(LogHarness.BigString("bar", 100_000), h.Read());
                Assert.Equal(HeaderSize + 3, h.Reader.LastRecordOffset);
                AssertSingleProblem(h, LogProblemKind.Corruption, 0);
                Assert.Equal(10, h.DroppedBytes);
                break;
            case "Missing_last_is_ignored":
                h.Write(LogHarness.BigString("bar", BlockSize));
                h.ShrinkSize(14);
                Assert.Equal("EOF", h.Read());
                AssertSingleProblem(h, LogProblemKind.TruncatedTail, 0);
                break;
            case "Partial_last_is_ignored":
                h.Write(LogHarness.BigString("bar", BlockSize));
                h.ShrinkSize(1);
                Assert.Equal("EOF", h.Read());
                Assert.Contains(h.Problems, p => p.Kind == LogProblemKind.TruncatedTail && p.Offset == 0);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario));
        }
    }
}
