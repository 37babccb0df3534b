using System.Buffers.Binary;
using System.Text;

namespace AimLsm.Encoding;

/// <summary>
/// Walks the segments of an encoded path (docs/format.md, section 12.2) without allocating: after
/// <see cref="MoveNext"/> returns true, <see cref="IsInt"/> says the kind, <see cref="Int"/> or <see cref="Utf8"/>
/// gives the payload, and <see cref="Current"/> materializes the segment (allocating a string for a str segment).
/// A ref struct over the caller's span, so it is valid only while that span is (for an engine iterator's key: until
/// the iterator moves). Not thread-safe.
/// </summary>
internal ref struct TreePathReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _encoded;
    private int _next;
    private int _start;
    private int _length;
    private long _int;
    private bool _isInt;

    /// <summary>Creates a reader positioned before the first segment of <paramref name="encoded"/>.</summary>
    public TreePathReader(ReadOnlySpan<byte> encoded)
    {
        _encoded = encoded;
    }

    /// <summary>True when the current segment is an int segment.</summary>
    public readonly bool IsInt => _isInt;

    /// <summary>The current int segment's value (0 for a str segment).</summary>
    public readonly long Int => _int;

    /// <summary>The current str segment's UTF-8 bytes (empty for an int segment), not yet validated as UTF-8.</summary>
    public readonly ReadOnlySpan<byte> Utf8 => _isInt ? default : _encoded.Slice(_start, _length);

    /// <summary>The offset of the current segment's first byte in the encoded path.</summary>
    public readonly int SegmentOffset => _start - (_isInt ? 1 : 0);

    /// <summary>The offset just past the current segment's separator: the length of the path prefix read so far.</summary>
    public readonly int Consumed => _next;

    /// <summary>The current segment, materialized.</summary>
    /// <exception cref="AimFormatException">A str segment is not valid UTF-8.</exception>
    public readonly PathSegment Current
    {
        get
        {
            if (_isInt)
            {
                return new PathSegment(_int);
            }

            try
            {
                return new PathSegment(StrictUtf8.GetString(_encoded.Slice(_start, _length)));
            }
            catch (DecoderFallbackException)
            {
                throw new AimFormatException("path", _start, "a str segment is not valid UTF-8");
            }
        }
    }

    /// <summary>Moves to the next segment; false at the end of the path.</summary>
    /// <exception cref="AimFormatException">The path is truncated or malformed at the current offset.</exception>
    public bool MoveNext()
    {
        ReadOnlySpan<byte> rest = _encoded[_next..];
        if (rest.IsEmpty)
        {
            return false;
        }

        if (rest[0] == TreePath.Separator)
        {
            // An int segment: FE, 8 payload bytes (which may themselves be FE or FF), FE.
            if (rest.Length < TreePath.IntSegmentLength)
            {
                throw new AimFormatException("path", _next, $"an int segment needs {TreePath.IntSegmentLength} bytes, found {rest.Length}");
            }

            if (rest[9] != TreePath.Separator)
            {
                throw new AimFormatException("path", _next + 9, $"expected separator 0xFE after an int segment, found 0x{rest[9]:X2}");
            }

            _isInt = true;
            _int = BinaryPrimitives.ReadInt64BigEndian(rest[1..]);
            _start = _next + 1;
            _length = 8;
            _next += TreePath.IntSegmentLength;
            return true;
        }

        int end = rest.IndexOf(TreePath.Separator);
        if (end < 0)
        {
            throw new AimFormatException("path", _encoded.Length, "a str segment is not terminated by separator 0xFE");
        }

        _isInt = false;
        _int = 0;
        _start = _next;
        _length = end;
        _next += end + 1;
        return true;
    }
}
