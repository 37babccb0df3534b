using System.Buffers.Binary;
using System.IO.Pipelines;
using AimLsm.Streaming;
using AimLsm.Encoding;

namespace AimLsm.Tests.Streaming;

/// <summary>A truncated or malformed stream fails with a <see cref="StreamFormatException"/> that names the byte offset.</summary>
public class StreamErrorTests
{
    private static async Task<StreamFormatException> ReadFails(byte[] bytes, StreamReaderOptions? options = null)
    {
        var reader = new SplitPipeReader(bytes, [3, 10]);
        var error = await Assert.ThrowsAsync<StreamFormatException>(async () =>
        {
            await foreach (StreamObject _ in AimStreamReader.ReadObjectsAsync(reader, options))
            {
            }
        });
        Assert.True(reader.Completed, "the reader completes the pipe when it fails");
        return error;
    }

    private static byte[] Record(byte[] key, byte[] value) => StreamFramingTests.Frame([(key, value)]);

    [Fact]
    public async Task A_stream_cut_anywhere_inside_a_record_names_that_record()
    {
        byte[] bytes = await StreamTestKit.WriteAsync(async w =>
        {
            await w.WriteObjectAsync("run", new Dictionary<string, object?> { ["x"] = new byte[40], ["y"] = "text" });
            await w.WriteProgressAsync(1, 1);
        });
        long[] starts = [.. (await StreamTestKit.ReadRecordsAsync(bytes)).Select(r => r.Offset), bytes.Length];
        long markerEnd = starts[4]; // the marker is 4 records: the list and its 3 items

        for (int length = 1; length < bytes.Length; length++)
        {
            byte[] cut = bytes[..length];
            if (starts.Contains(length))
            {
                if (length < markerEnd)
                {
                    Assert.Contains("marker", (await ReadFails(cut)).Message, StringComparison.Ordinal);
                }
                else
                {
                    await StreamTestKit.ReadObjectsAsync(cut); // a clean end between records is a shorter stream
                }

                continue;
            }

            StreamFormatException error = await ReadFails(cut);
            Assert.Equal(starts.Last(s => s < length), error.Offset);
            Assert.Contains("ends inside", error.Message, StringComparison.Ordinal);
            Assert.Contains($"byte {error.Offset}", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_length_above_the_limit_fails_at_once_without_waiting_for_the_bytes()
    {
        var pipe = new Pipe();
        byte[] good = Record([0x61, 0xFE], [0x00]);
        await pipe.Writer.WriteAsync(good);
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0x7FFF_FFF0);
        await pipe.Writer.WriteAsync(header); // the writer never completes: the reader must not wait for 2 GB

        var error = await Assert.ThrowsAsync<StreamFormatException>(async () =>
        {
            await foreach (StreamObject _ in AimStreamReader.ReadObjectsAsync(pipe.Reader, new StreamReaderOptions { MaxRecordSize = 1 << 20 }))
            {
            }
        }).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(good.Length, error.Offset);
        Assert.Contains("MaxRecordSize", error.Message, StringComparison.Ordinal);

        // The reader completed its side, so the writer learns it is gone.
        FlushResult flush = await pipe.Writer.WriteAsync(new byte[1]);
        Assert.True(flush.IsCompleted);
    }

    [Fact]
    public async Task A_value_length_above_the_limit_fails_too()
    {
        byte[] bytes = Record([0x61, 0xFE], new byte[100]);
        StreamFormatException error = await ReadFails(bytes, new StreamReaderOptions { MaxRecordSize = 50 });
        Assert.Equal(0, error.Offset);
        Assert.Contains("value length is 100", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("61FE", "09", "unknown type byte 0x09")]
    [InlineData("61FE", "0203", "payload is 8 bytes")]
    [InlineData("61FE", "", "empty value")]
    [InlineData("", "00", "empty key")]
    [InlineData("6162", "00", "not terminated")]
    [InlineData("FE0000FE", "00", "int segment needs 10 bytes")]
    [InlineData("C3FE", "00", "not valid UTF-8")]
    public async Task A_malformed_record_names_its_offset(string keyHex, string valueHex, string expected)
    {
        byte[] first = Record([0x7A, 0xFE], [0x00]);
        byte[] bytes = [.. first, .. Record(Convert.FromHexString(keyHex), Convert.FromHexString(valueHex))];

        StreamFormatException error = await ReadFails(bytes);
        Assert.Equal(first.Length, error.Offset);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Records_that_do_not_fold_into_a_tree_fail()
    {
        // ('a',) = 1, then ('a', 'b') = 2: a child of a scalar.
        byte[] scalar = Record([0x61, 0xFE], [0x02, 1, 0, 0, 0, 0, 0, 0, 0]);
        byte[] child = Record([0x61, 0xFE, 0x62, 0xFE], [0x02, 2, 0, 0, 0, 0, 0, 0, 0]);

        StreamFormatException error = await ReadFails([.. scalar, .. child]);
        Assert.Equal(scalar.Length, error.Offset);
        Assert.Contains("below a scalar", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_marker_of_a_newer_version_is_refused()
    {
        var records = new List<(byte[], byte[])>();
        new TreeWriter().Flatten(new Dictionary<string, object?> { [StreamFormat.MarkerKey] = new List<object?> { 0L, 0L, (long)StreamFormat.Version + 1 } },
            [], (p, v) => records.Add((p.ToArray(), v.ToArray())));

        StreamFormatException error = await ReadFails(StreamFramingTests.Frame(records));
        Assert.Equal(0, error.Offset);
        Assert.Contains($"format version {StreamFormat.Version + 1}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_inconsistent_numpy_encodable_is_refused()
    {
        var trace = new Dictionary<string, object?>
        {
            ["name"] = "loss",
            ["values"] = new Dictionary<string, object?> { ["type"] = "numpy", ["shape"] = 3L, ["dtype"] = "float64", ["blob"] = new byte[16] },
            ["iters"] = StreamFramingTests.Numpy([1, 2]),
        };
        byte[] bytes = await StreamTestKit.WriteAsync(w => w.WriteObjectAsync("r", new Dictionary<string, object?> { ["traces"] = new List<object?> { trace } }).AsTask());

        var error = await Assert.ThrowsAsync<StreamFormatException>(() => StreamTestKit.ReadRunsAsync(bytes));
        Assert.Contains("blob of n x 8 bytes", error.Message, StringComparison.Ordinal);

        trace["values"] = StreamFramingTests.Numpy([1, 2, 3]);
        bytes = await StreamTestKit.WriteAsync(w => w.WriteObjectAsync("r", new Dictionary<string, object?> { ["traces"] = new List<object?> { trace } }).AsTask());
        error = await Assert.ThrowsAsync<StreamFormatException>(() => StreamTestKit.ReadRunsAsync(bytes));
        Assert.Contains("'iters' has 2 elements, the values 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_object_that_is_not_a_run_is_refused_by_ReadRunsAsync()
    {
        byte[] bytes = await StreamTestKit.WriteAsync(w => w.WriteObjectAsync("r", 5L).AsTask());
        var error = await Assert.ThrowsAsync<StreamFormatException>(() => StreamTestKit.ReadRunsAsync(bytes));
        Assert.Contains("is not a run", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Traces_grouped_by_type_whose_group_is_not_a_list_are_refused()
    {
        var run = new Dictionary<string, object?> { ["traces"] = new Dictionary<string, object?> { ["metric"] = 3L } };
        byte[] bytes = await StreamTestKit.WriteAsync(w => w.WriteObjectAsync("r", run).AsTask());
        var error = await Assert.ThrowsAsync<StreamFormatException>(() => StreamTestKit.ReadRunsAsync(bytes));
        Assert.Contains("sequence type 'metric'", error.Message, StringComparison.Ordinal);

        run["traces"] = "loss";
        bytes = await StreamTestKit.WriteAsync(w => w.WriteObjectAsync("r", run).AsTask());
        error = await Assert.ThrowsAsync<StreamFormatException>(() => StreamTestKit.ReadRunsAsync(bytes));
        Assert.Contains("neither a list nor a dict", error.Message, StringComparison.Ordinal);
    }
}
