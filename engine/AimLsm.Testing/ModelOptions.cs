using AimLsm.Kv;

namespace AimLsm.Testing;

/// <summary>One option set of the model and metamorphic tests: the engine options that decide when it flushes and compacts.</summary>
/// <param name="WriteBuffer"><see cref="DbOptions.WriteBufferSize"/>.</param>
/// <param name="Block"><see cref="DbOptions.BlockSize"/>.</param>
/// <param name="Restart"><see cref="DbOptions.BlockRestartInterval"/>.</param>
/// <param name="Compression"><see cref="DbOptions.Compression"/>.</param>
/// <param name="BloomBits"><see cref="DbOptions.BloomFilterBitsPerKey"/>.</param>
/// <param name="CacheBytes"><see cref="DbOptions.BlockCacheSize"/>.</param>
/// <param name="L0Trigger"><see cref="DbOptions.Level0FileNumCompactionTrigger"/>.</param>
/// <param name="LevelBase"><see cref="DbOptions.MaxBytesForLevelBase"/>.</param>
/// <param name="TargetFile"><see cref="DbOptions.TargetFileSizeBase"/>.</param>
public sealed record ModelOptions(
    long WriteBuffer, int Block, int Restart, Compression Compression, int BloomBits, long CacheBytes,
    int L0Trigger, long LevelBase, long TargetFile)
{
    /// <summary>A new <see cref="DbOptions"/> with these values (stall triggers at least 8 and 12 files).</summary>
    public DbOptions ToDbOptions() => new()
    {
        WriteBufferSize = WriteBuffer,
        BlockSize = Block,
        BlockRestartInterval = Restart,
        Compression = Compression,
        BloomFilterBitsPerKey = BloomBits,
        BlockCacheSize = CacheBytes,
        Level0FileNumCompactionTrigger = L0Trigger,
        Level0SlowdownWritesTrigger = Math.Max(L0Trigger, 8),
        Level0StopWritesTrigger = Math.Max(L0Trigger, 12),
        MaxBytesForLevelBase = LevelBase,
        MaxBytesForLevelMultiplier = 4,
        TargetFileSizeBase = TargetFile,
    };
}
