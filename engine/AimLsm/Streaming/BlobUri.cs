using AimLsm.Tree.Storage;

namespace AimLsm.Streaming;

/// <summary>
/// The URI of a blob streamed by reference (docs/format.md, section 14.5):
/// <c>&lt;run hash&gt;/&lt;lowercase hex of the blob's key below ('blobs', H)&gt;</c>, where that key is the encoded path
/// <c>(context id, sequence name, step) + field path</c> of section 13.1. Like Aim's <c>blob_uri</c> it is opaque to
/// clients; unlike Aim's it is not encrypted (it names nothing a reader of the run could not see). A server that
/// wants to hide it can encrypt it on the way out and decrypt it before <see cref="AimStreamWriter.WriteBlobsAsync"/>.
/// The key itself is the tree's (<see cref="BlobKey"/>): this type only spells it as text. Stateless and thread-safe.
/// </summary>
public static class BlobUri
{
    private const char Separator = '/';

    /// <summary>The URI of the blob at <paramref name="key"/>.</summary>
    internal static string Format(in BlobKey key) =>
        string.Concat(key.RunHash, "/", Convert.ToHexStringLower(key.Relative));

    /// <summary>
    /// Parses a URI into the run hash and the blob's full repo key. False for anything this build did not write: no
    /// separator, an empty hash, odd or non-hex digits, or a key that is not a valid path of the form
    /// <c>(int, str, int, field, ...)</c>.
    /// </summary>
    public static bool TryParse(string? uri, out string runHash, out byte[] key)
    {
        bool parsed = TryParse(uri, out BlobKey blob);
        runHash = parsed ? blob.RunHash : "";
        key = parsed ? blob.Key.ToArray() : [];
        return parsed;
    }

    /// <summary>Parses a URI into the blob's key; false as <see cref="TryParse(string?, out string, out byte[])"/> says.</summary>
    internal static bool TryParse(string? uri, out BlobKey key)
    {
        key = default;
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

        return BlobKey.TryParse(uri[..slash], relative, out key);
    }
}
