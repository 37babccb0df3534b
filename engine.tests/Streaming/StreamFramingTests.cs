using System.Buffers.Binary;
using System.Runtime.InteropServices;
using AimLsm.Streaming;
using AimLsm.Tree;
using AimLsm.Encoding;

namespace AimLsm.Tests.Streaming;

/// <summary>
/// The stream's bytes (docs/format.md, section 14): Aim's framing, the marker and progress records, golden bytes;
/// that streams Aim builds decode here and that Aim's UI decoder (ported) folds ours; and every split point of a small
/// stream.
/// </summary>
public class StreamFramingTests
{
    private static readonly StreamOptions NoMarker = new() { WriteMarker = false };

    [Fact]
    public async Task A_record_is_u32_key_length_key_u32_value_length_value()
    {
        byte[] bytes = await StreamTestKit.WriteAsync(w => w.WriteObjectAsync("a", 1L).AsTask(), NoMarker);

        Assert.Equal(Convert.FromHexString("02000000" + "61FE" + "09000000" + "020100000000000000"), bytes);
    }

    [Fact]
    public async Task Progress_is_a_list_of_checked_and_total_under_progress_N()
    {
        byte[] bytes = await StreamTestKit.WriteAsync(async w =>
        {
            await w.WriteProgressAsync(3, 10);
            await w.WriteProgressAsync(4, 10);
        }, NoMarker);

        List<StreamRecord> records = await StreamTestKit.ReadRecordsAsync(bytes);
        Assert.Equal(6, records.Count);
        Assert.Equal(new PathSegment[] { "progress_0" }, records[0].DecodeKey());
        Assert.Equal(AimType.List, records[0].DecodeValue());
        Assert.Equal(new PathSegment[] { "progress_0", 1 }, records[2].DecodeKey());
        Assert.Equal(10L, records[2].DecodeValue());
        Assert.Equal(new PathSegment[] { "progress_1", 0 }, records[4].DecodeKey());

        List<StreamObject> objects = await StreamTestKit.ReadObjectsAsync(bytes);
        Assert.All(objects, o => Assert.Equal(StreamObjectKind.Progress, o.Kind));
        Assert.True(objects[1].TryGetProgress(out long done, out long total));
        Assert.Equal((4L, 10L), (done, total));
    }

    [Fact]
    public async Task The_marker_opens_the_stream_once_and_reads_as_progress_0_of_0()
    {
        byte[] bytes = await StreamTestKit.WriteAsync(async w =>
        {
            await w.WriteObjectAsync("x", "first");
            await w.WriteObjectAsync("y", "second");
        });

        List<StreamObject> objects = await StreamTestKit.ReadObjectsAsync(bytes);
        Assert.Equal(new[] { StreamObjectKind.Marker, StreamObjectKind.Object, StreamObjectKind.Object }, objects.Select(o => o.Kind));
        Assert.Equal(StreamFormat.MarkerKey, objects[0].Key.String);
        Assert.Equal(new List<object?> { 0L, 0L, (long)StreamFormat.Version }, objects[0].Value);
        Assert.True(objects[0].TryGetProgress(out long done, out long total));
        Assert.Equal((0L, 0L), (done, total));

        // Golden: the marker's first record.
        byte[] key = [.. "progress_aimlsm_stream"u8, 0xFE];
        Assert.Equal(key.Length, BinaryPrimitives.ReadInt32LittleEndian(bytes));
        Assert.Equal(key, bytes.AsSpan(4, key.Length).ToArray());
        Assert.Equal(new byte[] { 1, 0, 0, 0, 0x06 }, bytes.AsSpan(4 + key.Length, 5).ToArray());
    }

    [Fact]
    public async Task A_stream_Aim_builds_decodes_here()
    {
        // As aim/web/api/runs/utils.py builds a metric search chunk: encode_tree({hash: {params, traces, props}}),
        // records in dict insertion order (not key order), framed with struct.pack('I', len).
        double[] values = [0.5, 0.25, double.NaN];
        double[] iters = [0, 10, 20];
        var run = new Dictionary<string, object?>
        {
            ["params"] = new Dictionary<string, object?> { ["lr"] = 0.01, ["layers"] = new List<object?> { 64L, 32L } },
            ["traces"] = new List<object?>
            {
                new Dictionary<string, object?>
                {
                    ["name"] = "loss",
                    ["context"] = new Dictionary<string, object?> { ["subset"] = "train" },
                    ["slice"] = new List<object?> { 0L, 0L, 50L },
                    ["values"] = Numpy(values),
                    ["iters"] = Numpy(iters),
                    ["epochs"] = null,
                    ["timestamps"] = Numpy([1.5, 2.5, 3.5]),
                    ["x_axis_values"] = null,
                    ["x_axis_iters"] = null,
                },
            },
            ["props"] = new Dictionary<string, object?> { ["name"] = "baseline", ["active"] = false },
        };
        var records = new List<(byte[], byte[])>();
        new TreeWriter().Flatten(new Dictionary<string, object?> { ["0a1b2c3d4e5f60718293a4b5"] = run }, [],
            (p, v) => records.Add((p.ToArray(), v.ToArray())));
        new TreeWriter().Flatten(new Dictionary<string, object?> { ["progress_0_" + new string('7', 38_000)] = new List<object?> { 1L, 1L } }, [],
            (p, v) => records.Add((p.ToArray(), v.ToArray())));
        byte[] stream = Frame(records);

        List<StreamObject> objects = await StreamTestKit.ReadObjectsAsync(stream, StreamTestKit.RandomCuts(new Random(7), stream.Length, 40));
        Assert.Equal(new[] { StreamObjectKind.Object, StreamObjectKind.Progress }, objects.Select(o => o.Kind));
        StreamedRun decoded = StreamedRun.FromObject(objects[0]);
        Assert.Equal("0a1b2c3d4e5f60718293a4b5", decoded.Hash);
        Assert.Equal("baseline", decoded.Props!["name"]);
        StreamedTrace trace = Assert.Single(decoded.Traces);
        Assert.Equal("loss", trace.Name);
        Assert.Equal("train", trace.Context["subset"]);
        Assert.Equal(values.Select(BitConverter.DoubleToInt64Bits), trace.Numbers!.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(new long[] { 0, 10, 20 }, trace.Steps);
        Assert.Equal(new long?[] { null, null, null }, trace.Epochs);
        Assert.True(trace.IsFinal);
        Assert.Equal(0, trace.Chunk);
    }

    [Fact]
    public async Task A_version_1_run_object_with_its_trace_metadata_side_by_side_still_reads()
    {
        // What version 1 writers sent for a run without points: the marker [0, 0, 1], then a flat list of traces.
        var trace = new Dictionary<string, object?>
        {
            ["name"] = "loss", ["context"] = new Dictionary<string, object?>(), ["dtype"] = "float", ["count"] = 3L,
            ["first_step"] = 0L, ["last_step"] = 2L, ["first"] = 0.5, ["last"] = 0.125, ["min"] = 0.125, ["max"] = 0.5,
        };
        byte[] bytes = await StreamTestKit.WriteAsync(async w =>
        {
            await w.WriteObjectAsync(StreamFormat.MarkerKey, new List<object?> { 0L, 0L, 1L });
            await w.WriteObjectAsync("r", new Dictionary<string, object?> { ["params"] = new Dictionary<string, object?>(), ["traces"] = new List<object?> { trace } });
        }, NoMarker);

        StreamedTrace loss = Assert.Single(Assert.Single(await StreamTestKit.ReadRunsAsync(bytes)).Traces);
        Assert.Equal(("loss", "float", 3L, 2L, 0.125), (loss.Name, loss.Dtype, loss.Count, loss.LastStep, loss.Last));
        Assert.Null(loss.SequenceType);
        Assert.Null(loss.Metadata);
        Assert.False(loss.HasData);
    }

    [Fact]
    public async Task Aims_UI_decoder_folds_a_run_stream_of_ours()
    {
        using var repo = new StreamTestRepo(new RepoOptions { BlobThreshold = 64 });
        Run run = repo.AddRun(r =>
        {
            r["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.01, ["layers"] = new List<object?> { 64L, 32L }, ["opt"] = new Dictionary<string, object?>() };
            for (int i = 0; i < 30; i++)
            {
                r.Track(1.0 / (i + 1), "loss", step: i, epoch: i / 10, context: new Context { ["subset"] = "train" });
                var image = new AimObject("aim.image");
                image.Fields["data"] = new byte[100 + i]; // fields not in key order
                image.Fields["caption"] = "img" + i;
                r.Track(image, "images", step: i);
            }
        });

        byte[] bytes = await StreamTestKit.WriteAsync(async w =>
        {
            await w.WriteRunAsync(run);
            await w.WriteProgressAsync(1, 1);
            await w.WriteSequenceAsync(run.GetSequence("images"));
        }, new StreamOptions { Density = 10, ChunkPoints = 4, InlineBlobLimit = 110, CustomObjectsAsDicts = true });

        List<(object Key, object? Value)> objects = AimJsDecoder.Decode(bytes);
        Assert.Equal(StreamFormat.MarkerKey, objects[0].Key);
        Assert.Equal(run.Hash, objects[1].Key);
        var runObject = (Dictionary<object, object?>)objects[1].Value!;
        Assert.Equal(new object[] { "params", "traces", "props" }, runObject.Keys);
        var traces = (List<object?>)runObject["traces"]!;
        var loss = (Dictionary<object, object?>)traces.Cast<Dictionary<object, object?>>().Single(t => (string)t["name"]! == "loss");
        var numpy = (Dictionary<object, object?>)loss["values"]!;
        Assert.Equal("numpy", numpy["type"]);
        Assert.Equal("float64", numpy["dtype"]);
        Assert.Equal(10L, numpy["shape"]);
        Assert.Equal(80, ((byte[])numpy["blob"]!).Length);
        Assert.Equal(1.0, MemoryMarshal.Cast<byte, double>((byte[])numpy["blob"]!)[0]);
        Assert.Equal(1.0 / 30, MemoryMarshal.Cast<byte, double>((byte[])numpy["blob"]!)[9]);

        // The sequence stream: chunks under the run's hash, each followed by a progress record.
        List<object> keys = [.. objects.Skip(3).Select(o => o.Key)];
        Assert.Equal(6, keys.Count);
        Assert.Equal(new object[] { run.Hash, "progress_1", run.Hash, "progress_2", run.Hash, "progress_3" }, keys);
    }

    [Fact]
    public async Task Every_split_point_of_a_small_stream_decodes_the_same()
    {
        byte[] bytes = await StreamTestKit.WriteAsync(async w =>
        {
            await w.WriteObjectAsync("run", new Dictionary<string, object?> { ["a"] = new List<object?> { 1L, "x", null }, ["b"] = new byte[] { 0xFE, 0xFF } });
            await w.WriteProgressAsync(1, 2);
            await w.WriteObjectAsync(7L, 2.5);
        });
        List<StreamObject> whole = await StreamTestKit.ReadObjectsAsync(bytes);
        Assert.Equal(4, whole.Count);

        for (int a = 1; a < bytes.Length; a++)
        {
            for (int b = a; b < bytes.Length; b += 7)
            {
                List<StreamObject> split = await StreamTestKit.ReadObjectsAsync(bytes, [a, b]);
                Assert.Equal(whole.Select(o => (o.Key, o.Kind, o.Offset)), split.Select(o => (o.Key, o.Kind, o.Offset)));
                for (int i = 0; i < whole.Count; i++)
                {
                    Assert.True(Tree.Encoding.TreeTestUtil.DeepEqual(whole[i].Value, split[i].Value), $"cuts {a},{b}: object {i}");
                }
            }
        }
    }

    [Fact]
    public async Task Records_are_copied_out_of_the_pipe_with_their_offsets()
    {
        byte[] bytes = await StreamTestKit.WriteAsync(w => w.WriteObjectAsync("k", new List<object?> { true, "é" }).AsTask(), NoMarker);
        List<StreamRecord> records = await StreamTestKit.ReadRecordsAsync(bytes, [1, 2, 3, 5, 8, 13, 21]);

        Assert.Equal(3, records.Count);
        Assert.Equal(new long[] { 0, 4 + 2 + 4 + 1, (4 + 2 + 4 + 1) + (4 + 12 + 4 + 2) }, records.Select(r => r.Offset));
        Assert.Equal(new PathSegment[] { "k", 1 }, records[2].DecodeKey());
        Assert.Equal("é", records[2].DecodeValue());
    }

    internal static Dictionary<string, object?> Numpy(double[] values) => new()
    {
        ["type"] = "numpy",
        ["shape"] = (long)values.Length,
        ["dtype"] = "float64",
        ["blob"] = MemoryMarshal.AsBytes(values.AsSpan()).ToArray(),
    };

    /// <summary>Aim's <c>collect_streamable_data</c>: <c>struct.pack('I', len(key)) + key + struct.pack('I', len(val)) + val</c>.</summary>
    internal static byte[] Frame(IEnumerable<(byte[] Key, byte[] Value)> records)
    {
        var stream = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach ((byte[] key, byte[] value) in records)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)key.Length);
            stream.Write(length);
            stream.Write(key);
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)value.Length);
            stream.Write(length);
            stream.Write(value);
        }

        return stream.ToArray();
    }
}
