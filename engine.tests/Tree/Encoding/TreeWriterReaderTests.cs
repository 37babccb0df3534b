using AimLsm.Kv;
using AimLsm.Kv.IO;
using AimLsm.Encoding;
using static AimLsm.Tests.Tree.Encoding.TreePathTests;

namespace AimLsm.Tests.Tree.Encoding;

/// <summary>Flattening nested values into records and folding them back (docs/format.md, sections 12.4 and 12.5).</summary>
public class TreeWriterReaderTests
{
    private static string Dump(List<(byte[] Path, byte[] Value)> records) =>
        string.Join("\n", records.Select(r => Convert.ToHexString(r.Path).ToLowerInvariant() + " = " + Convert.ToHexString(r.Value).ToLowerInvariant()));

    [Fact]
    public void Nested_dict_flattens_like_Aims_unfold_tree()
    {
        var hparams = new Dictionary<string, object?>
        {
            ["lr"] = 0.01,
            ["layers"] = new[] { 64, 32 },
            ["opt"] = new Dictionary<string, object?>(),
        };
        var records = TreeTestUtil.Flatten(new Dictionary<string, object?> { ["hparams"] = hparams });

        // No record for the non-empty dicts; one dict marker (07) for the empty one; a list marker (06) first.
        string expected = string.Join("\n",
            "68706172616d73fe6c72fe = 037b14ae47e17a843f",
            "68706172616d73fe6c6179657273fe = 06",
            "68706172616d73fe6c6179657273fefe0000000000000000fe = 024000000000000000",
            "68706172616d73fe6c6179657273fefe0000000000000001fe = 022000000000000000",
            "68706172616d73fe6f7074fe = 07");
        Assert.Equal(expected, Dump(records));
    }

    [Fact]
    public void Custom_object_is_a_marker_then_its_fields()
    {
        var image = new AimObject("aim.image") { Fields = { ["width"] = 2, ["caption"] = "c" } };
        var records = TreeTestUtil.Flatten(image, TreePath.Encode(["img"]));
        Assert.Equal(string.Join("\n",
            "696d67fe = 0f61696d2e696d616765",
            "696d67fe7769647468fe = 020200000000000000",
            "696d67fe63617074696f6efe = 0463"), Dump(records));

        var back = Assert.IsType<AimObject>(TreeTestUtil.Rebuild(records, prefixLength: 4));
        Assert.Equal("aim.image", back.TypeName);
        Assert.Equal(2L, back.Fields["width"]);
        Assert.Equal("c", back.Fields["caption"]);
    }

    [Fact]
    public void Scalars_and_empty_containers_round_trip_at_the_root()
    {
        object?[] values = [null, true, 7L, -0.5, "s", new byte[] { 1, 2 }, new List<object?>(), new Dictionary<string, object?>()];
        foreach (object? v in values)
        {
            Assert.True(TreeTestUtil.DeepEqual(v, TreeTestUtil.Rebuild(TreeTestUtil.Flatten(v))), $"{v}");
        }
    }

    [Fact]
    public void Int_keyed_dicts_rebuild_as_long_keyed_and_mixed_as_object_keyed()
    {
        var ints = new Dictionary<int, object?> { [3] = "x", [1] = "y" };
        var back = Assert.IsType<Dictionary<long, object?>>(TreeTestUtil.Rebuild(TreeTestUtil.Flatten(ints)));
        Assert.Equal("x", back[3]);

        var mixed = new Dictionary<object, object?> { ["a"] = 1L, [2L] = 2L };
        var mixedBack = Assert.IsType<Dictionary<object, object?>>(TreeTestUtil.Rebuild(TreeTestUtil.Flatten(mixed)));
        Assert.Equal(1L, mixedBack["a"]);
        Assert.Equal(2L, mixedBack[2L]);
    }

    [Fact]
    public void Unsupported_type_names_the_path_and_the_dotnet_type()
    {
        var value = new Dictionary<string, object?> { ["a"] = new object?[] { 1, new Dictionary<string, object?> { ["when"] = DateTime.UnixEpoch } } };
        var ex = Assert.Throws<ArgumentException>(() => TreeTestUtil.Flatten(value, TreePath.Encode(["run"])));
        Assert.Contains("('run', 'a', 1, 'when')", ex.Message, StringComparison.Ordinal);
        Assert.Contains("System.DateTime", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_keys_name_the_path()
    {
        var empty = Assert.Throws<ArgumentException>(() => TreeTestUtil.Flatten(new Dictionary<string, object?> { ["a"] = new Dictionary<string, object?> { [""] = 1 } }));
        Assert.Contains("empty string key under path ('a',)", empty.Message, StringComparison.Ordinal);
        var guid = Assert.Throws<ArgumentException>(() => TreeTestUtil.Flatten(new Dictionary<Guid, object?> { [Guid.Empty] = 1 }));
        Assert.Contains("System.Guid", guid.Message, StringComparison.Ordinal);
        var big = Assert.Throws<ArgumentException>(() => TreeTestUtil.Flatten(ulong.MaxValue));
        Assert.Contains("System.UInt64", big.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cycle_is_rejected_by_the_depth_limit()
    {
        var list = new List<object?>();
        list.Add(list);
        var ex = Assert.Throws<ArgumentException>(() => TreeTestUtil.Flatten(list));
        Assert.Contains("deeper than", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void List_gaps_are_filled_with_null_like_Aim()
    {
        var reader = new TreeReader();
        reader.Add([], [0x06]);
        reader.Add(TreePath.Encode([2]), [0x02, 9, 0, 0, 0, 0, 0, 0, 0]);
        var list = Assert.IsType<List<object?>>(reader.Build());
        Assert.Equal([null, null, 9L], list);
    }

    [Fact]
    public void Intermediate_dicts_are_synthesized()
    {
        var reader = new TreeReader();
        reader.Add(TreePath.Encode(["a", "b", "c"]), [0x00]);
        var a = Assert.IsType<Dictionary<string, object?>>(Assert.IsType<Dictionary<string, object?>>(reader.Build())["a"]);
        Assert.Null(Assert.IsType<Dictionary<string, object?>>(a["b"])["c"]);
    }

    [Fact]
    public void Reader_rejects_records_no_ordered_scan_produces()
    {
        AssertBad(r => { r.Add(TreePath.Encode(["b"]), [0]); r.Add(TreePath.Encode(["a"]), [0]); }, "key order");
        AssertBad(r => { r.Add(TreePath.Encode(["a"]), [0]); r.Add(TreePath.Encode(["a"]), [0]); }, "each once");
        AssertBad(r => { r.Add(TreePath.Encode(["a", "b"]), [0]); r.Add(TreePath.Encode(["a"]), [6]); }, "each once");
        AssertBad(r => { r.Add(TreePath.Encode(["a"]), [0]); r.Add(TreePath.Encode(["a", "b"]), [0]); }, "below a scalar");
        AssertBad(r => { r.Add([], [6]); r.Add(TreePath.Encode(["x"]), [0]); }, "non-negative int");
        AssertBad(r => { r.Add([], [6]); r.Add(TreePath.Encode([-1]), [0]); }, "non-negative int");
        AssertBad(r => { r.Add([], [6]); r.Add(TreePath.Encode([long.MaxValue]), [0]); }, "missing elements");
        AssertBad(r => { r.Add([], [0x0F, 0x61]); r.Add(TreePath.Encode([0]), [0]); }, "str segment");
        Assert.Throws<InvalidOperationException>(() => new TreeReader().Build());
    }

    private static void AssertBad(Action<TreeReader> feed, string what)
    {
        var ex = Assert.Throws<AimFormatException>(() => feed(new TreeReader()));
        Assert.Contains(what, ex.Message, StringComparison.Ordinal);
    }

    private readonly struct BatchSink(WriteBatch batch) : ITreeSink
    {
        public void Add(ReadOnlySpan<byte> path, ReadOnlySpan<byte> value) => batch.Put(path, value);
    }

    [Fact]
    public void Round_trip_through_the_engine_with_a_flush_in_between()
    {
        var options = new DbOptions { CreateIfMissing = true, FileSystem = new MemFileSystem() };
        using var db = Db.Open("/db", options);
        byte[] prefix = TreePath.Encode(["meta", "chunks", "0a1b"]);
        var run = new Dictionary<string, object?>
        {
            ["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.001, ["batch"] = 32, ["name"] = "résumé", ["tags"] = new object?[] { "a", null, true } },
            ["blob"] = new byte[] { 0xFE, 0xFF, 0 },
            ["image"] = new AimObject("aim.image") { Fields = { ["width"] = 28, ["size"] = new[] { 1.5, double.NaN } } },
            ["empty"] = new Dictionary<string, object?>(),
            ["steps"] = Enumerable.Range(0, 300).Select(i => (object?)(long)i).ToList(),
        };

        var writer = new TreeWriter();
        var batch = new WriteBatch();
        var sink = new BatchSink(batch);
        writer.Flatten(run, prefix, ref sink);
        db.Write(batch);
        db.Flush();

        // Neighbours that must stay outside the subtree.
        db.Put(TreePath.Encode(["meta", "chunks", "0a1b2", "x"]), [0x00]);
        db.Put(TreePath.Encode(["meta", "chunks", "0a1"]), [0x00]);
        db.Put(TreePath.Encode(["meta", "chunks", "0a1b", "late"]), [0x02, 1, 0, 0, 0, 0, 0, 0, 0]);
        run["late"] = 1L;

        var reader = new TreeReader();
        using (var it = db.NewIterator(new ReadOptions { LowerBound = prefix, UpperBound = TreePath.SubtreeUpperBound(prefix) }))
        {
            for (it.Seek(prefix); it.Valid; it.Next())
            {
                reader.Add(it.Key[prefix.Length..], it.Value);
            }
        }

        Assert.True(TreeTestUtil.DeepEqual(run, reader.Build()));
    }
}
