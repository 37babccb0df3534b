using AimLsm.Encoding;

namespace AimLsm.Streaming;

/// <summary>
/// An encoded path (docs/format.md, section 12.2) built segment by segment: <see cref="Push(PathSegment)"/> returns
/// the length to <see cref="Truncate"/> back to, so nested writers share one buffer. Not thread-safe.
/// </summary>
internal sealed class PathBuilder
{
    private byte[] _buffer = new byte[256];

    /// <summary>The encoded length.</summary>
    public int Length { get; private set; }

    /// <summary>The encoded path so far; valid until the next push.</summary>
    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    /// <summary>Appends a segment; returns the length before it.</summary>
    /// <exception cref="ArgumentException">An empty str segment or a lone surrogate.</exception>
    public int Push(PathSegment segment)
    {
        int before = Length;
        int max = segment.IsInt ? TreePath.IntSegmentLength : System.Text.Encoding.UTF8.GetMaxByteCount(segment.String.Length) + 1;
        if (Length + max > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(Length + max, _buffer.Length * 2));
        }

        Length += TreePath.WriteSegment(_buffer.AsSpan(Length), segment, 0);
        return before;
    }

    /// <summary>Appends a str segment (a field name); returns the length before it.</summary>
    public int Push(string field) => Push(new PathSegment(field));

    /// <summary>Appends an int segment (a list index); returns the length before it.</summary>
    public int Push(long index) => Push(new PathSegment(index));

    /// <summary>Cuts the path back to <paramref name="length"/> bytes.</summary>
    public void Truncate(int length) => Length = length;

    /// <summary>Empties the path.</summary>
    public void Clear() => Length = 0;
}
