using System.IO.Pipelines;
using AimLsm.Streaming;
using AimLsm.Tree;
using AimLsm.Encoding;

namespace AimLsm.Tests.Streaming;

/// <summary>Blob fields go inline below the limit and by reference above it; references are fetched in a batch later.</summary>
public class BlobStreamingTests : IDisposable
{
    private readonly StreamTestRepo _repo = new(new RepoOptions { BlobThreshold = 64 });
    private readonly Run _run;

    public BlobStreamingTests()
    {
        _run = _repo.AddRun(r =>
        {
            for (int i = 0; i < 20; i++)
            {
                var image = new AimObject("aim.image"); // fields not in key order
                image.Fields["data"] = Data(i);
                image.Fields["layers"] = new List<object?> { new Dictionary<string, object?> { ["mask"] = Data(i + 100) } };
                image.Fields["caption"] = "image " + i;
                r.Track(image, "images", step: i * 10);
            }
        });
    }

    public void Dispose() => _repo.Dispose();

    /// <summary>100 + 10 i bytes: with the type byte, the encoded field is 101 + 10 i.</summary>
    private static byte[] Data(int i) => [.. Enumerable.Range(0, 100 + (10 * i)).Select(b => (byte)(b ^ i))];

    private async Task<StreamedTrace> StreamImages(StreamOptions options)
    {
        byte[] bytes = await StreamTestKit.WriteAsync(w => w.WriteSequenceAsync(_run.GetSequence("images")).AsTask(), options);
        return StreamTestKit.Trace(await StreamTestKit.ReadRunsAsync(bytes), "images");
    }

    [Fact]
    public async Task Blobs_up_to_the_limit_go_inline_and_larger_ones_by_reference()
    {
        StreamedTrace trace = await StreamImages(new StreamOptions { InlineBlobLimit = 101 + 50 });

        for (int i = 0; i < 20; i++)
        {
            var image = (AimObject)trace.Objects![i]!;
            Assert.Equal("image " + i, image.Fields["caption"]);
            if (i <= 5)
            {
                Assert.Equal(Data(i), image.Fields["data"]);
            }
            else
            {
                Assert.IsType<BlobReference>(image.Fields["data"]);
            }

            var layer = (Dictionary<string, object?>)((List<object?>)image.Fields["layers"]!)[0]!;
            Assert.IsType<BlobReference>(layer["mask"]);
        }
    }

    [Fact]
    public async Task Referenced_blobs_are_fetched_as_uri_records()
    {
        StreamedTrace trace = await StreamImages(new StreamOptions { InlineBlobLimit = 0 });
        var expected = new Dictionary<string, byte[]>();
        for (int i = 0; i < 20; i++)
        {
            var image = (AimObject)trace.Objects![i]!;
            expected[((BlobReference)image.Fields["data"]!).Uri] = Data(i);
            var layer = (Dictionary<string, object?>)((List<object?>)image.Fields["layers"]!)[0]!;
            expected[((BlobReference)layer["mask"]!).Uri] = Data(i + 100);
        }

        Assert.Equal(40, expected.Count);
        byte[] bytes = await StreamTestKit.WriteAsync(w => w.WriteBlobsAsync(_repo.Repo, expected.Keys).AsTask(), new StreamOptions { ChunkBytes = 1024 });
        List<StreamObject> blobs = [.. (await StreamTestKit.ReadObjectsAsync(bytes, StreamTestKit.RandomCuts(new Random(1), bytes.Length, 30)))
            .Where(o => o.Kind == StreamObjectKind.Object)];

        Assert.Equal(expected.Keys, blobs.Select(b => b.Key.String));
        Assert.All(blobs, b => Assert.Equal(expected[b.Key.String], b.Value));
    }

    [Fact]
    public async Task A_blob_of_a_deleted_run_is_fetched_as_None()
    {
        StreamedTrace trace = await StreamImages(new StreamOptions { InlineBlobLimit = 0 });
        string uri = ((BlobReference)((AimObject)trace.Objects![3]!).Fields["data"]!).Uri;
        _repo.Repo.DeleteRun(_run.Hash);

        byte[] bytes = await StreamTestKit.WriteAsync(w => w.WriteBlobsAsync(_repo.Repo, [uri]).AsTask());
        StreamObject blob = (await StreamTestKit.ReadObjectsAsync(bytes))[^1];
        Assert.Equal(uri, blob.Key.String);
        Assert.Null(blob.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-separator")]
    [InlineData("/00")]
    [InlineData("abc/0")]
    [InlineData("abc/zz")]
    [InlineData("abc/78FE")] // ('x',): not (context id, name, step, field...)
    [InlineData("abc/FE0000000000000001FE6CFEFE0000000000000002FE")] // no field path
    public async Task A_malformed_uri_is_refused_before_anything_is_written(string uri)
    {
        Assert.False(BlobUri.TryParse(uri, out _, out _));
        var memory = new MemoryStream();
        PipeWriter pipe = PipeWriter.Create(memory);
        var writer = new AimStreamWriter(pipe);

        await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteBlobsAsync(_repo.Repo, ["abc/FE0000000000000001FE6CFEFE0000000000000002FE64FE", uri]).AsTask());
        await pipe.FlushAsync();
        Assert.Equal(0, memory.Length);
        Assert.Equal(0, writer.BytesWritten);
    }

    [Fact]
    public void A_well_formed_uri_parses_to_the_blob_key()
    {
        Assert.True(BlobUri.TryParse("abc/FE0000000000000001FE6CFEFE0000000000000002FE64FE", out string hash, out byte[] key));
        Assert.Equal("abc", hash);
        Assert.Equal(new PathSegment[] { "blobs", "abc", 1, "l", 2, "d" }, TreePath.Decode(key));
    }

    [Fact]
    public async Task Custom_objects_can_go_as_plain_dicts_for_Aims_UI()
    {
        StreamedTrace trace = await StreamImages(new StreamOptions { CustomObjectsAsDicts = true, InlineBlobLimit = 0 });

        var image = Assert.IsType<Dictionary<string, object?>>(trace.Objects![0]);
        Assert.Equal("image 0", image["caption"]);
        Assert.IsType<BlobReference>(image["data"]);
        Assert.Equal("aim.image", trace.Dtype);
    }
}
