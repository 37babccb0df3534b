namespace AimLsm.Testing;

/// <summary>One writer's batch as the oracle saw it: logged before the write, acknowledged after it returned.</summary>
/// <param name="id">The batch id (its values name it).</param>
/// <param name="ops">The batch's updates.</param>
/// <param name="sync">Whether it was written with <c>WriteOptions.Sync</c>.</param>
public sealed class OracleBatch(long id, List<CrashOp> ops, bool sync)
{
    /// <summary>The batch id.</summary>
    public long Id { get; } = id;

    /// <summary>The batch's updates.</summary>
    public List<CrashOp> Ops { get; } = ops;

    /// <summary>Whether the write was synced.</summary>
    public bool Sync { get; } = sync;

    /// <summary>Whether the write returned (set by the writer after it did).</summary>
    public bool Acked { get; set; }
}
