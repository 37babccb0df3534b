using AimLsm.Encoding;
using AimLsm.Tree.Storage;

namespace AimLsm.Tests.Tree.Storage;

/// <summary>The blob seam's keys: where a blob of a sequence lives (docs/format.md 13.1) and the way back from the
/// part of its key that a blob URI carries.</summary>
public class BlobKeyTests
{
    [Theory]
    [InlineData("abc", 0L, "images", 0L)]
    [InlineData("0123456789abcdef01234567", 42L, "layers/mask", 1L << 40)]
    [InlineData("h", -3L, "x", -1L)]
    public void A_sequence_blob_key_is_the_blob_path_of_section_13_1(string hash, long contextId, string name, long step)
    {
        byte[] field = TreePath.Encode(["layers", 0, "mask"]);

        BlobKey key = new SequenceBlobs(hash, contextId, name).At(step, field);

        Assert.Equal(hash, key.RunHash);
        Assert.Equal(new PathSegment[] { "blobs", hash, contextId, name, step, "layers", 0, "mask" }, TreePath.Decode(key.Key.ToArray()));
        Assert.Equal(new PathSegment[] { contextId, name, step, "layers", 0, "mask" }, TreePath.Decode(key.Relative.ToArray()));
        Assert.Equal(RepoKeys.Concat(RepoKeys.WithInt(RepoKeys.SequenceBlobs(hash, contextId, name), step), field), key.Key.ToArray());
    }

    [Fact]
    public void A_blob_key_parses_back_from_its_relative_part()
    {
        BlobKey key = new SequenceBlobs("run1", 7, "images").At(30, TreePath.Encode(["data"]));

        Assert.True(BlobKey.TryParse("run1", key.Relative, out BlobKey parsed));

        Assert.Equal("run1", parsed.RunHash);
        Assert.Equal(key.Key.ToArray(), parsed.Key.ToArray());
        Assert.Equal(key.Relative.ToArray(), parsed.Relative.ToArray());
    }

    public static TheoryData<string, byte[]> NotBlobPaths => new()
    {
        { "no fields", TreePath.Encode([1, "images", 2]) },
        { "name first", TreePath.Encode(["images", 1, 2, "data"]) },
        { "string step", TreePath.Encode([1, "images", "2", "data"]) },
        { "empty", [] },
        { "truncated int", TreePath.Encode([1, "images", 2, "data"])[..^12] },
        { "not a path", [0x78] },
    };

    [Theory]
    [MemberData(nameof(NotBlobPaths))]
    public void A_relative_part_that_is_not_a_blob_path_is_refused(string why, byte[] relative)
    {
        Assert.False(BlobKey.TryParse("run1", relative, out _), why);
    }

    [Fact]
    public void A_run_hash_without_a_path_encoding_is_refused()
    {
        byte[] relative = TreePath.Encode([1, "images", 2, "data"]);

        Assert.False(BlobKey.TryParse("\ud800", relative, out _));
        Assert.True(BlobKey.TryParse("ok", relative, out _));
    }
}
