namespace AimLsm.Streaming;

/// <summary>
/// The bytes read from a stream are not a valid stream (docs/format.md, section 14): it ends inside a record, a
/// length is larger than <see cref="StreamReaderOptions.MaxRecordSize"/>, a key or value is malformed, the records
/// of an object do not fold into a tree, an encodable is inconsistent, or the marker names a newer version. The
/// message names the byte offset in the stream.
/// </summary>
public sealed class StreamFormatException : FormatException
{
    /// <summary>Creates the exception for a problem at byte <paramref name="offset"/> of the stream.</summary>
    public StreamFormatException(long offset, string message, Exception? inner = null)
        : base($"Invalid stream at byte {offset}: {message}", inner)
    {
        Offset = offset;
    }

    /// <summary>The offset in the stream of the record (or the object's first record) that is wrong.</summary>
    public long Offset { get; }
}
