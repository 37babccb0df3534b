namespace AimLsm.Streaming;

/// <summary>Limits that protect an <see cref="AimStreamReader"/> from a damaged or hostile stream.</summary>
public sealed class StreamReaderOptions
{
    /// <summary>
    /// The largest key or value length accepted (default 64 MiB). A reader buffers a whole record before it decodes
    /// it, so a larger length is refused with a <see cref="StreamFormatException"/> as soon as it is read, instead
    /// of waiting for (and buffering) that many bytes.
    /// </summary>
    public int MaxRecordSize { get; set; } = 64 << 20;

    /// <summary>Checks the ranges; returns this.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public StreamReaderOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecordSize, 16);
        return this;
    }
}
