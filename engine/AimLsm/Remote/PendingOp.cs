namespace AimLsm.Remote;

/// <summary>What a <see cref="PendingOp"/> is.</summary>
internal enum PendingKind : byte
{
    /// <summary>A float point: <see cref="PendingOp.Bits"/> holds the double's bits.</summary>
    Float,

    /// <summary>An int point: <see cref="PendingOp.Bits"/>.</summary>
    Int,

    /// <summary>A point of any other value: <see cref="PendingOp.Payload"/> holds its records (docs/format.md 15.2).</summary>
    Object,

    /// <summary>A run operation (create, open, attrs, props, tags, close): <see cref="PendingOp.Payload"/> is a
    /// <see cref="RunOperation"/> that appends it to a batch.</summary>
    Run,

    /// <summary>A flush: <see cref="PendingOp.Payload"/> is the <see cref="FlushRequest"/> to complete once every
    /// operation before it is acknowledged.</summary>
    Flush,
}

/// <summary>Appends one run operation to a batch, in the sender's thread (its arguments were checked and encoded by the caller).</summary>
internal delegate void RunOperation(BatchWriter batch);

/// <summary>
/// One entry of the queue between <c>Track</c> and the sender: a struct, so a float or int point allocates nothing.
/// Everything in it was validated and resolved in the caller's thread (the step, the time); the sender only encodes.
/// </summary>
internal readonly struct PendingOp(PendingKind kind, RemoteSequence? sequence, long step, long epoch, long micros, long bits, object? payload)
{
    public PendingKind Kind { get; } = kind;

    /// <summary>The sequence a point goes to; null for other kinds.</summary>
    public RemoteSequence? Sequence { get; } = sequence;

    public long Step { get; } = step;

    /// <summary>The epoch, <see cref="long.MinValue"/> for none (as on the wire).</summary>
    public long Epoch { get; } = epoch;

    /// <summary>The point's time, unix microseconds, taken by <c>Track</c>.</summary>
    public long Micros { get; } = micros;

    public long Bits { get; } = bits;

    public object? Payload { get; } = payload;

    public bool IsPoint => Kind <= PendingKind.Object;
}

/// <summary>A <see cref="RemoteRepo.Flush"/> in the queue: the sender seals the batch before it and registers it; it
/// completes once that batch (and so every one before it) is acknowledged.</summary>
internal sealed class FlushRequest
{
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
