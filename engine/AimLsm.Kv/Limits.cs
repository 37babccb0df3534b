namespace AimLsm.Kv;

/// <summary>The largest keys, values and batches the engine accepts (docs/format.md, "Limits").</summary>
public static class Limits
{
    /// <summary>The largest user key, in bytes: 1 MiB. Keys are paths and identifiers, never payloads.</summary>
    public const int MaxKeySize = 1 << 20;

    /// <summary>The largest value, in bytes: 256 MiB. Larger blobs belong in a blob store above the engine.</summary>
    public const int MaxValueSize = 256 << 20;

    /// <summary>The largest write batch, in bytes of its encoding: 1 GiB (it is one WAL record and lives in memory).</summary>
    public const int MaxBatchSize = 1 << 30;
}
