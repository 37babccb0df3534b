using AimLsm.Encoding;
using AimLsm.Tree.Storage;

namespace AimLsm.Streaming;

/// <summary>
/// The URI of a blob streamed by reference (docs/format.md, section 14.5):
/// <c>&lt;run hash&gt;/&lt;lowercase hex of the blob's key below ('blobs', H)&gt;</c>, where that key is the encoded path
/// <c>(context id, sequence name, step) + field path</c> of section 13.1. Like Aim's <c>blob_uri</c> it is opaque to
/// clients; unlike Aim's it is not encrypted (it names nothing a reader of the run could not see). A server that
/// wants to hide it can encrypt it on the way out and decrypt it before <see cref="AimStreamWriter.WriteBlobsAsync"/>.
/// Stateless and thread-safe.
/// </summary>
public static class BlobUri
{
    private const char Separator = '/';

    /// <summary>The URI of the blob field <paramref name="fieldPath"/> (encoded, relative to the record's value) of
    /// the record at <paramref name="step"/> of the sequence whose blob prefix is <paramref name="sequenceBlobs"/>.</summary>
    internal static string Format(string runHash, ReadOnlySpan<byte> sequenceBlobs, long step, ReadOnlySpan<byte> fieldPath)
    {
        int skip = RepoKeys.RunBlobs(runHash).Length;
        Span<byte> stepSegment = stackalloc byte[TreePath.IntSegmentLength];
        RepoKeys.WriteInt(stepSegment, step);
        return string.Concat(runHash, "/", Convert.ToHexStringLower(sequenceBlobs[skip..]), Convert.ToHexStringLower(stepSegment),
            Convert.ToHexStringLower(fieldPath));
    }

    /// <summary>
    /// Parses a URI into the run hash and the blob's full repo key. False for anything this build did not write: no
    /// separator, an empty hash, odd or non-hex digits, or a key that is not a valid path of the form
    /// <c>(int, str, int, field, ...)</c>.
    /// </summary>
    public static bool TryParse(string? uri, out string runHash, out byte[] key)
    {
        runHash = "";
        key = [];
        int slash = uri?.IndexOf(Separator, StringComparison.Ordinal) ?? -1;
        if (uri is null || slash <= 0 || (uri.Length - slash - 1) % 2 != 0)
        {
            return false;
        }

        byte[] relative;
        try
        {
            relative = Convert.FromHexString(uri.AsSpan(slash + 1));
        }
        catch (FormatException)
        {
            return false;
        }

        if (!IsBlobPath(relative))
        {
            return false;
        }

        try
        {
            key = RepoKeys.Concat(RepoKeys.RunBlobs(uri[..slash]), relative);
        }
        catch (ArgumentException)
        {
            return false; // a hash with a lone surrogate has no path encoding
        }

        runHash = uri[..slash];
        return true;
    }

    private static bool IsBlobPath(ReadOnlySpan<byte> relative)
    {
        try
        {
            var reader = new TreePathReader(relative);
            return reader.MoveNext() && reader.IsInt &&
                   reader.MoveNext() && !reader.IsInt &&
                   reader.MoveNext() && reader.IsInt &&
                   reader.MoveNext() && AllValid(ref reader);
        }
        catch (AimFormatException)
        {
            return false;
        }
    }

    private static bool AllValid(ref TreePathReader reader)
    {
        while (reader.MoveNext())
        {
        }

        return true;
    }
}
