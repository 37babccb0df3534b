namespace AimLsm.Remote;

/// <summary>Limits and timings of a <see cref="TrackingServer"/> (docs/aim-repo.md, "Many machines").</summary>
public sealed class TrackingServerOptions
{
    /// <summary>The largest frame a client may send, in bytes (default 16 MiB); a larger one closes that client's
    /// connection with an error naming the size and the limit. The client keeps its batches well below it.</summary>
    public int MaxFrameBytes { get; set; } = 16 << 20;

    /// <summary>How long the runs of a session that disconnected stay held for it (default 10 minutes): a client that
    /// reconnects within it resumes them; after it, another session may open them.</summary>
    public TimeSpan SessionHoldTime { get; set; } = TimeSpan.FromMinutes(10);

    internal void Validate()
    {
        if (MaxFrameBytes < TrackingFrame.MinMaxFrameBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFrameBytes), MaxFrameBytes, $"must be at least {TrackingFrame.MinMaxFrameBytes} bytes.");
        }

        if (SessionHoldTime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SessionHoldTime), SessionHoldTime, "must not be negative.");
        }
    }
}
