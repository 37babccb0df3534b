using AimLsm.Tests.Testing;
using AimLsm.Tree;
using AimLsm.Encoding;
using AimLsm.Tree.Storage;
using TreeRepo = AimLsm.Tree.Repo;

namespace AimLsm.Tests.Tree.Repo;

/// <summary>
/// Objects and blobs (issue 7, item 7): tracked custom objects such as images keep their large fields apart, read
/// back as <see cref="AimBlob"/>s that load the exact bytes only when asked, and name their dtype after the type.
/// </summary>
public class ObjectTests
{
    private static readonly Context Val = new() { ["subset"] = "val" };

    /// <summary>An image with its fields added the natural way, not in key order (see
    /// <see cref="An_object_or_dict_whose_fields_are_not_in_key_order_reads_back"/>).</summary>
    private static AimObject Image(byte[] data, int width)
    {
        var image = new AimObject("aim.image");
        image.Fields["data"] = data;
        image.Fields["width"] = width;
        image.Fields["height"] = width / 2;
        image.Fields["caption"] = "image " + width;
        image.Fields["format"] = "png";
        return image;
    }

    private static byte[] Bytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static void AssertImage(object? value, byte[] data, int width)
    {
        AimObject image = Assert.IsType<AimObject>(value);
        Assert.Equal("aim.image", image.TypeName);
        Assert.Equal((long)width, image.Fields["width"]);
        Assert.Equal((long)(width / 2), image.Fields["height"]);
        Assert.Equal("png", image.Fields["format"]);
        Assert.Equal("image " + width, image.Fields["caption"]);
        AimBlob blob = Assert.IsType<AimBlob>(image.Fields["data"]);
        Assert.Equal(data, Assert.IsType<byte[]>(blob.Load()));
    }

    [Fact]
    public void Images_keep_large_fields_as_blobs_that_load_the_exact_bytes()
    {
        using var dir = new TempDirectory();
        var options = new RepoOptions { SequenceChunkSize = 4 };
        byte[][] data = [.. Enumerable.Range(0, 10).Select(i => Bytes(i, options.BlobThreshold + 1 + i * 1500))];
        string hash;
        using (TreeRepo repo = TreeRepo.Open(dir.Path, options))
        using (Run run = repo.CreateRun())
        {
            hash = run.Hash;
            for (int step = 0; step < data.Length; step++)
            {
                run.Track(Image(data[step], 64 + step), "images", step, epoch: step / 5, context: Val);
            }

            run.Flush();
            Sequence images = run.GetSequence("images", Val);
            SequenceData all = images.Read();
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), all.Steps);
            Assert.Null(all.Numbers);
            for (int i = 0; i < data.Length; i++)
            {
                AssertImage(all.Objects![i], data[i], 64 + i);
            }

            SequenceInfo info = images.Info;
            Assert.Equal("aim.image", info.Dtype);
            Assert.False(info.IsNumeric);
            Assert.Equal(10, info.Count);
            Assert.Null(info.First); // composite values keep no copy in the metadata
            Assert.Null(info.Last);
            Assert.Null(info.Min);
            Assert.Null(info.Max);

            SequenceData sample = images.Sample(3);
            Assert.Equal([0L, 4, 9], sample.Steps);
            AssertImage(sample.Objects![1], data[4], 68);

            // Overwriting a step replaces its blob too.
            byte[] replacement = Bytes(99, 9000);
            run.Track(Image(replacement, 300), "images", 3, context: Val);
            run.Flush();
            AssertImage(images.Read(3, 4).Objects![0], replacement, 300);
        }

        using (TreeRepo repo = TreeRepo.OpenReadOnly(dir.Path))
        {
            SequenceData all = repo.GetRun(hash).GetSequence("images", Val).Read();
            AssertImage(all.Objects![9], data[9], 73);
            AssertImage(all.Objects![3], Bytes(99, 9000), 300);
        }
    }

    [Fact]
    public void Fields_below_the_threshold_stay_inline_and_long_strings_become_blobs()
    {
        using var one = new OneRun(new RepoOptions { BlobThreshold = 64 });
        Run run = one.Run;
        byte[] small = Bytes(1, 62); // 63 encoded bytes: one below the threshold
        byte[] edge = Bytes(2, 63); // 64 encoded bytes: at the threshold
        string text = new('x', 500);
        var obj = new AimObject("aim.text");
        obj.Fields["small"] = small; // fields not in key order
        obj.Fields["edge"] = edge;
        obj.Fields["data"] = text;
        obj.Fields["nested"] = new Dictionary<string, object?> { ["deep"] = text + "!" };
        run.Track(obj, "texts");
        run.Flush();

        AimObject back = Assert.IsType<AimObject>(run.GetSequence("texts").Read().Objects![0]);
        Assert.Equal(small, Assert.IsType<byte[]>(back.Fields["small"]));
        Assert.Equal(edge, Assert.IsType<AimBlob>(back.Fields["edge"]).Load());
        Assert.Equal(text, Assert.IsType<AimBlob>(back.Fields["data"]).Load());
        var nested = Assert.IsType<Dictionary<string, object?>>(back.Fields["nested"]);
        Assert.Equal(text + "!", Assert.IsType<AimBlob>(nested["deep"]).Load());
        Assert.Equal("aim.text", run.GetSequence("texts").Info.Dtype);
    }

    /// <summary>Reading records does not read their blobs: a damaged blob fails only its own Load.</summary>
    [Fact]
    public void Blobs_are_read_only_on_Load()
    {
        using var one = new OneRun();
        Run run = one.Run;
        byte[] good = Bytes(5, 10_000);
        run.Track(Image(good, 10), "images", 0);
        run.Track(Image(Bytes(6, 10_000), 20), "images", 1);
        run.Flush();

        byte[] blobKey = RepoKeys.Concat(RepoKeys.WithInt(RepoKeys.SequenceBlobs(run.Hash, new Context().Id, "images"), 1), TreePath.Encode(["data"]));
        RepoTestKit.WithEngine(run, db =>
        {
            Assert.NotNull(db.Get(blobKey)); // the test knows where the blob lives
            db.Put(blobKey, [0xEE, 1, 2]);
        });

        SequenceData all = run.GetSequence("images").Read();
        AssertImage(all.Objects![0], good, 10);
        var damaged = Assert.IsType<AimObject>(all.Objects[1]);
        Assert.Equal(20L, damaged.Fields["width"]);
        Assert.Throws<AimFormatException>(() => Assert.IsType<AimBlob>(damaged.Fields["data"]).Load());
    }

    [Fact]
    public void A_blob_read_before_its_run_was_deleted_fails_clearly_on_Load()
    {
        using var dir = new TempDirectory();
        using TreeRepo repo = TreeRepo.Open(dir.Path);
        string hash;
        using (Run run = repo.CreateRun())
        {
            hash = run.Hash;
            run.Track(Image(Bytes(7, 8000), 8), "images", 0);
        }

        var image = (AimObject)repo.GetRun(hash).GetSequence("images").Read().Objects![0]!;
        repo.DeleteRun(hash);
        var e = Assert.Throws<InvalidOperationException>(() => ((AimBlob)image.Fields["data"]!).Load());
        Assert.Contains("deleted", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A list tracked into a sequence (a list of images, or of numbers) reads back with its dtype. Regression: the
    /// reader used to parse all the records after the root list marker as that one value
    /// (<c>ValueCodec.FromRecords</c>), failing with "a List payload is 0 bytes, found N".
    /// </summary>
    [Fact]
    public void A_tracked_list_reads_back()
    {
        using var one = new OneRun();
        Run run = one.Run;
        byte[] first = Bytes(10, 6000), second = Bytes(11, 7000);
        run.Track(new List<object?> { Image(first, 1), Image(second, 2) }, "batches", 0);
        run.Track(new[] { 1L, 2L, 3L }, "ints", 0);
        run.Flush();
        Assert.Equal("list(aim.image)", run.GetSequence("batches").Info.Dtype);
        Assert.Equal("list(int)", run.GetSequence("ints").Info.Dtype);

        Assert.Equal(new object?[] { 1L, 2L, 3L }, Assert.IsType<List<object?>>(run.GetSequence("ints").Read().Objects![0]));
        var batch = Assert.IsType<List<object?>>(run.GetSequence("batches").Read().Objects![0]);
        Assert.Equal(2, batch.Count);
        AssertImage(batch[0], first, 1);
        AssertImage(batch[1], second, 2);
    }

    /// <summary>
    /// A tracked dict or object reads back whatever the order its fields were added in: an image built the natural
    /// way (data, width, height), a dict built as {"b", "a"}, and {"a", "ab"}, which is sorted as strings but not as
    /// encoded keys ("ab" sorts before "a": a str segment ends in 0xFE). Regression: records were stored in
    /// insertion order but read back by a TreeReader that requires key order, failing with AimFormatException
    /// ("... sorts before an earlier sibling; records must be in key order").
    /// </summary>
    [Fact]
    public void An_object_or_dict_whose_fields_are_not_in_key_order_reads_back()
    {
        using var one = new OneRun();
        Run run = one.Run;
        var image = new AimObject("aim.image");
        image.Fields["data"] = Bytes(3, 5000);
        image.Fields["width"] = 64;
        image.Fields["height"] = 32;
        var values = new Dictionary<string, object?>
        {
            ["image"] = image,
            ["dict"] = new Dictionary<string, object?> { ["b"] = 1, ["a"] = 2 },
            ["prefix"] = new Dictionary<string, object?> { ["a"] = 1, ["ab"] = 2 },
        };
        foreach ((string name, object? value) in values)
        {
            run.Track(value, name, 0);
        }

        run.Flush();
        var failures = new List<string>();
        foreach ((string name, object? value) in values)
        {
            try
            {
                Assert.Equal(RepoTestKit.Render(value), RepoTestKit.Render(run.GetSequence(name).Read().Objects![0]));
            }
            catch (Exception e) when (e is AimFormatException or Xunit.Sdk.XunitException)
            {
                failures.Add($"{name}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void A_large_str_or_bytes_value_is_stored_apart_and_reads_back_whole()
    {
        // At least BlobThreshold bytes encoded: the chunk keeps the blob sentinel, the value lives under the step's
        // blob key (written in the caller's thread), and reads give the value itself, not an AimBlob.
        using var dir = new TempDirectory();
        string path = dir.Sub("repo");
        var options = new RepoOptions { BlobThreshold = 64 };
        byte[] first = Bytes(1, 1000), second = Bytes(2, 700), small = Bytes(3, 10);
        string text = string.Concat(Enumerable.Repeat("é0", 400));
        string hash;
        using (TreeRepo repo = TreeRepo.Open(path, options))
        {
            using Run run = repo.CreateRun();
            hash = run.Hash;
            run.Track(first, "payload", 0);
            run.Track(second, "payload", 0); // an overwrite replaces the blob
            run.Track(small, "payload", 1); // below the threshold: kept in the chunk
            run.Track(first, "payload", 2);
            run.Track(text, "text", 0, context: Val);
            run.Track("short", "text", 1, context: Val);
            var e = Assert.Throws<ArgumentException>(() => run.Track("\ud800" + text, "text", context: Val));
            Assert.Contains("lone surrogate", e.Message, StringComparison.Ordinal);
            run.Flush();

            RepoTestKit.WithEngine(run, db =>
            {
                byte[] blob = db.Get(RepoKeys.WithInt(RepoKeys.SequenceBlobs(hash, new Context().Id, "payload"), 0))!;
                Assert.Equal([(byte)AimType.Bytes, .. second], blob);
                byte[] chunk = db.Get(RepoKeys.WithInt(RepoKeys.Sequence(hash, new Context().Id, "payload"), 0))!;
                Assert.True(chunk.Length < 200, $"the chunk holds {chunk.Length} bytes: a large value was kept inline");
            });
            AssertRead(run);
        }

        using TreeRepo reopened = TreeRepo.OpenReadOnly(path);
        AssertRead(reopened.GetRun(hash));

        void AssertRead(Run run)
        {
            SequenceData payload = run.GetSequence("payload").Read();
            Assert.Equal([0L, 1, 2], payload.Steps);
            Assert.Equal(second, payload.Objects![0]);
            Assert.Equal(small, payload.Objects[1]);
            Assert.Equal(first, payload.Objects[2]);
            Assert.Equal(first, run.GetSequence("payload").Sample(1, fromStep: 2).Objects![0]);
            SequenceInfo info = run.GetSequence("payload").Info;
            Assert.Equal("bytes", info.Dtype);
            Assert.Equal(3, info.Count);
            Assert.Null(info.Last); // stored apart: the metadata keeps None, as for an object
            SequenceData texts = run.GetSequence("text", Val).Read();
            Assert.Equal([text, "short"], texts.Objects!);
            Assert.Equal("short", run.GetSequence("text", Val).Info.Last);
        }
    }

    [Fact]
    public void An_object_field_of_a_MiB_or_more_is_written_by_Track_and_reads_back()
    {
        // Fields stored apart are written by Track in the caller's thread, those of Db.LargeValueBytes and more without
        // a batch copy; they read back the same way, before and after a reopen, and the last value at a step wins.
        using var dir = new TempDirectory();
        byte[] large = Bytes(7, (1 << 20) + 3), small = Bytes(8, 5000);
        var image = Image(large, 640);
        image.Fields["thumbnail"] = small;
        string hash;
        using (TreeRepo repo = TreeRepo.Open(dir.Path))
        {
            using Run run = repo.CreateRun();
            hash = run.Hash;
            run.Track(Image(small, 10), "images", 0);
            run.Track(image, "images", 1);
            run.Track(Image(small, 12), "images", 1); // an overwrite by a small image replaces the record
            run.Track(image, "images", 2);
            run.Track(Image(small, 20), "images", 3);
            run.Track(image, "images", 3); // and a large one a small one's: the later value's blobs are the ones kept
            run.Flush();
            AssertImages(run);
        }

        using TreeRepo reopened = TreeRepo.OpenReadOnly(dir.Path);
        AssertImages(reopened.GetRun(hash));

        void AssertImages(Run run)
        {
            SequenceData all = run.GetSequence("images").Read();
            Assert.Equal([0L, 1, 2, 3], all.Steps);
            AssertImage(all.Objects![0], small, 10);
            AssertImage(all.Objects[1], small, 12);
            AssertImage(all.Objects[2], large, 640);
            AssertImage(all.Objects[3], large, 640);
            AimBlob thumbnail = Assert.IsType<AimBlob>(Assert.IsType<AimObject>(all.Objects[2]).Fields["thumbnail"]);
            Assert.Equal(small, thumbnail.Load());
        }
    }
}
