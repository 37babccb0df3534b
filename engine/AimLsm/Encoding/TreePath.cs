using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Unicode;

namespace AimLsm.Encoding;

/// <summary>
/// Aim's path encoding (docs/format.md, section 12.2; Aim's <c>encode_path</c>). A path is its segments, each
/// followed by <see cref="Separator"/>:
/// <code>
/// str segment:  UTF-8 bytes (non-empty)                   | FE
/// int segment:  FE | 8 bytes big-endian two's-complement  | FE
/// </code>
/// Every encoded path ends in FE, so joining two paths is concatenation and a subtree is the key range
/// [p, <see cref="SubtreeUpperBound"/>(p)) = [p, p + FF). Stateless and thread-safe.
/// </summary>
public static class TreePath
{
    /// <summary>Ends every segment, and opens every int segment. Never produced by UTF-8.</summary>
    public const byte Separator = 0xFE;

    /// <summary>Appended to a prefix to form the exclusive end of its subtree. Never produced by UTF-8.</summary>
    public const byte SubtreeEnd = 0xFF;

    /// <summary>The encoded size of an int segment: FE, 8 bytes, FE.</summary>
    public const int IntSegmentLength = 10;

    /// <summary>The number of bytes <see cref="Write"/> produces for <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">A str segment is empty or not valid UTF-16 (a lone surrogate).</exception>
    public static int GetEncodedLength(ReadOnlySpan<PathSegment> path)
    {
        int length = 0;
        for (int i = 0; i < path.Length; i++)
        {
            length += GetEncodedLength(path[i], i);
        }

        return length;
    }

    /// <summary>Appends the encoding of <paramref name="path"/> to <paramref name="writer"/>.</summary>
    /// <exception cref="ArgumentException">A str segment is empty or not valid UTF-16 (a lone surrogate).</exception>
    public static void Encode(IBufferWriter<byte> writer, ReadOnlySpan<PathSegment> path)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int length = GetEncodedLength(path);
        int written = Write(writer.GetSpan(length), path);
        Debug.Assert(written == length);
        writer.Advance(written);
    }

    /// <summary>Encodes <paramref name="path"/> into a new array.</summary>
    /// <exception cref="ArgumentException">A str segment is empty or not valid UTF-16 (a lone surrogate).</exception>
    public static byte[] Encode(ReadOnlySpan<PathSegment> path)
    {
        var result = new byte[GetEncodedLength(path)];
        Write(result, path);
        return result;
    }

    /// <summary>Encodes <paramref name="path"/> at the start of <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">
    /// A str segment is empty or not valid UTF-16, or <paramref name="destination"/> is too small
    /// (<see cref="GetEncodedLength(ReadOnlySpan{PathSegment})"/> says how much is needed).
    /// </exception>
    public static int Write(Span<byte> destination, ReadOnlySpan<PathSegment> path)
    {
        int offset = 0;
        for (int i = 0; i < path.Length; i++)
        {
            offset += WriteSegment(destination[offset..], path[i], i);
        }

        return offset;
    }

    /// <summary>Encodes one segment (with its trailing separator); <paramref name="index"/> only names it in errors.</summary>
    internal static int WriteSegment(Span<byte> destination, PathSegment segment, int index)
    {
        if (segment.IsInt)
        {
            if (destination.Length < IntSegmentLength)
            {
                ThrowTooSmall(index);
            }

            destination[0] = Separator;
            BinaryPrimitives.WriteInt64BigEndian(destination[1..], segment.Int);
            destination[9] = Separator;
            return IntSegmentLength;
        }

        string s = segment.String;
        if (s.Length == 0)
        {
            ThrowEmpty(index);
        }

        // Replacement is off, so a lone surrogate is an error rather than silently becoming U+FFFD (which would
        // not round-trip). Valid UTF-8 never contains FE or FF, so the segment cannot contain a separator.
        OperationStatus status = Utf8.FromUtf16(s, destination, out _, out int written, replaceInvalidSequences: false);
        if (status == OperationStatus.InvalidData)
        {
            ThrowInvalidUtf16(index);
        }

        if (status != OperationStatus.Done || written >= destination.Length)
        {
            ThrowTooSmall(index);
        }

        Debug.Assert(destination[..written].IndexOfAny(Separator, SubtreeEnd) < 0, "UTF-8 never produces FE or FF");
        destination[written] = Separator;
        return written + 1;
    }

    /// <summary>Decodes a whole path, materializing its str segments.</summary>
    /// <exception cref="AimFormatException"><paramref name="encoded"/> is not a valid encoded path.</exception>
    public static PathSegment[] Decode(ReadOnlySpan<byte> encoded)
    {
        var segments = new List<PathSegment>();
        var reader = new TreePathReader(encoded);
        while (reader.MoveNext())
        {
            segments.Add(reader.Current);
        }

        return [.. segments];
    }

    /// <summary>
    /// The exclusive end of the subtree under <paramref name="prefix"/>: <paramref name="prefix"/> + FF. Every key
    /// of the subtree (the prefix itself included) is in [prefix, result), and nothing else is, because the byte
    /// after a complete encoded path is a UTF-8 lead byte or FE, never FF.
    /// </summary>
    public static byte[] SubtreeUpperBound(ReadOnlySpan<byte> prefix)
    {
        var result = new byte[prefix.Length + 1];
        prefix.CopyTo(result);
        result[^1] = SubtreeEnd;
        return result;
    }

    private static int GetEncodedLength(PathSegment segment, int index)
    {
        if (segment.IsInt)
        {
            return IntSegmentLength;
        }

        string s = segment.String;
        if (s.Length == 0)
        {
            ThrowEmpty(index);
        }

        // Exact for valid UTF-16; a lone surrogate counts 3 bytes here and is rejected by WriteSegment.
        return System.Text.Encoding.UTF8.GetByteCount(s) + 1;
    }

    private static void ThrowEmpty(int index) =>
        throw new ArgumentException($"Path segment {index} is an empty string; Aim paths do not allow empty str segments.");

    private static void ThrowInvalidUtf16(int index) =>
        throw new ArgumentException($"Path segment {index} is not valid UTF-16 (a lone surrogate); it has no UTF-8 encoding.");

    private static void ThrowTooSmall(int index) =>
        throw new ArgumentException($"The destination is too small for path segment {index}.");
}
