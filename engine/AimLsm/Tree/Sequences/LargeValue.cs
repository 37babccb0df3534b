using System.Buffers;
using System.Text;
using System.Text.Unicode;
using AimLsm.Encoding;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// A tracked str or bytes value of at least <see cref="RepoOptions.BlobThreshold"/> bytes encoded (a text sample, an
/// encoded image, a checkpoint) is stored apart from its chunk, like an object's large field (docs/format.md,
/// section 13.4): its chunk record is the blob sentinel (an empty value at the empty path) and its encoded value
/// lives under the step's blob key. <c>Track</c> writes it to the engine in the caller's thread, from the caller's
/// array for bytes (a str is encoded once), so neither a defensive copy nor a chunk, batch or metadata copy of it is
/// ever made, and the chunk that is rewritten while it fills stays small. Readers load it when the record is read.
/// </summary>
internal static class LargeValue
{
    /// <summary>The longest name or context a message quotes whole.</summary>
    private const int MaxQuoted = 80;

    /// <summary>
    /// For a str or bytes value to store apart, its payload (the bytes, or the str's UTF-8) and, in
    /// <paramref name="tracked"/>, the point's value; otherwise null.
    /// </summary>
    /// <exception cref="ArgumentException">A str holds a lone surrogate.</exception>
    public static byte[]? TryEncode(object? value, int blobThreshold, out TrackedValue tracked)
    {
        tracked = default;
        switch (value)
        {
            case byte[] bytes when 1L + bytes.Length >= blobThreshold:
                tracked = TrackedValue.StoredApart(AimType.Bytes);
                return bytes;
            case string s when 1L + System.Text.Encoding.UTF8.GetMaxByteCount(s.Length) >= blobThreshold:
                int length = System.Text.Encoding.UTF8.GetByteCount(s);
                if (1L + length < blobThreshold)
                {
                    return null;
                }

                byte[] utf8 = GC.AllocateUninitializedArray<byte>(length);
                if (Utf8.FromUtf16(s, utf8, out _, out int written, replaceInvalidSequences: false) != OperationStatus.Done || written != length)
                {
                    throw new ArgumentException("The str holds a lone surrogate; it has no UTF-8 encoding.", nameof(value));
                }

                tracked = TrackedValue.StoredApart(AimType.Str);
                return utf8;
            default:
                return null;
        }
    }

    /// <summary><paramref name="text"/>, cut to its first characters when long, for a message.</summary>
    public static string Abbreviate(string text) =>
        text.Length <= MaxQuoted ? text : string.Concat(text.AsSpan(0, MaxQuoted), $"... ({text.Length} characters)");
}
