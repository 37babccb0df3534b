using AimLsm.Kv.IO;

namespace AimLsm.Kv;

/// <summary>How a database is opened and tuned. Defaults follow RocksDB's where the concept is the same.</summary>
public sealed class DbOptions
{
    /// <summary>Create the database when the directory holds none. Default false, as in RocksDB. Like RocksDB's
    /// <c>create_if_missing</c>, it creates the database's own directory only: a missing parent is an error naming it.</summary>
    public bool CreateIfMissing { get; set; }

    /// <summary>Fail when a database already exists at the path.</summary>
    public bool ErrorIfExists { get; set; }

    /// <summary>
    /// Bytes of entries a memtable holds before it is frozen and flushed to an L0 table (default 64 MiB).
    /// Larger means fewer, larger L0 files and a longer WAL replay after a crash.
    /// </summary>
    public long WriteBufferSize { get; set; } = 64L << 20;

    /// <summary>Target uncompressed size of an SSTable data block (default 4 KiB). Larger blocks compress better and cost more per point read.</summary>
    public int BlockSize { get; set; } = 4096;

    /// <summary>Entries between restart points in a data block (default 16): fewer means smaller blocks and slower seeks.</summary>
    public int BlockRestartInterval { get; set; } = 16;

    /// <summary>Block compression for new tables (default <see cref="AimLsm.Kv.Compression.Lz4"/>). Existing tables keep theirs.</summary>
    public Compression Compression { get; set; } = Compression.Lz4;

    /// <summary>
    /// Bits per key of each table's bloom filter (default 10: about 1% false positives). Point reads skip tables whose
    /// filter rules the key out. 0 writes no filter.
    /// </summary>
    public int BloomFilterBitsPerKey { get; set; } = 10;

    /// <summary>
    /// Capacity in bytes of the cache of uncompressed data blocks shared by every table (default 64 MiB); 0 disables it.
    /// Its memory is pooled, so a large cache does not mean long GC pauses.
    /// </summary>
    public long BlockCacheSize { get; set; } = 64L << 20;

    /// <summary>The most table files kept open at once (default 1,000); the least recently used are closed beyond it.</summary>
    public int MaxOpenFiles { get; set; } = 1000;

    /// <summary>L0 files that start a compaction into the base level (default 4).</summary>
    public int Level0FileNumCompactionTrigger { get; set; } = 4;

    /// <summary>L0 files at which each write is delayed by a millisecond (default 20): compaction gets ahead gently.</summary>
    public int Level0SlowdownWritesTrigger { get; set; } = 20;

    /// <summary>L0 files at which writes stop until compaction catches up (default 36), bounding read amplification.</summary>
    public int Level0StopWritesTrigger { get; set; } = 36;

    /// <summary>Target size of the base level, the level L0 compacts into (default 256 MiB).</summary>
    public long MaxBytesForLevelBase { get; set; } = 256L << 20;

    /// <summary>Each level's target is this many times the one above (default 10).</summary>
    public int MaxBytesForLevelMultiplier { get; set; } = 10;

    /// <summary>Target size of the files compaction writes (default 64 MiB).</summary>
    public long TargetFileSizeBase { get; set; } = 64L << 20;

    /// <summary>Estimated compaction debt at which writes slow down (default 64 GiB).</summary>
    public long SoftPendingCompactionBytesLimit { get; set; } = 64L << 30;

    /// <summary>Estimated compaction debt at which writes stop until compaction catches up (default 256 GiB).</summary>
    public long HardPendingCompactionBytesLimit { get; set; } = 256L << 30;

    /// <summary>Compactions running at once in the background (default 1, sized for two cores beside the flush thread).</summary>
    public int MaxBackgroundCompactions { get; set; } = 1;

    /// <summary>No automatic compaction (bulk loads); <see cref="Db.CompactRange"/> still works. Writes then never stall on L0.</summary>
    public bool DisableAutoCompactions { get; set; }

    /// <summary>What recovery does with a damaged WAL. Default <see cref="AimLsm.Kv.WalRecoveryMode.PointInTime"/>.</summary>
    public WalRecoveryMode WalRecoveryMode { get; set; } = WalRecoveryMode.PointInTime;

    /// <summary>
    /// With <see cref="AimLsm.Kv.WalRecoveryMode.PointInTime"/>: refuse to open (a <see cref="CorruptionException"/> naming
    /// the WAL and the offset) when the damage lies in bytes the engine had synced, that is before the last sync point
    /// the WAL records (docs/format.md, 5.6) or in a WAL a newer one followed. Such damage loses writes that were
    /// acknowledged durable; damage after the last sync is an ordinary power cut and is recovered point-in-time.
    /// Default true, as RocksDB's <c>track_and_verify_wals_in_manifest</c>. Set it to false to accept the loss: the
    /// open then recovers the history before the damage, reports it in <see cref="Db.RecoveryReport"/>, and (when
    /// writable) keeps the damaged WAL as <c>NNNNNN.log.damaged</c>.
    /// </summary>
    public bool VerifySyncedWal { get; set; } = true;

    /// <summary>The file system; the disk by default. Tests pass <see cref="MemFileSystem"/> or a fault-injecting one.</summary>
    public IFileSystem? FileSystem { get; set; }

    /// <summary>Receives events: flushes, background errors, WAL damage found during recovery.</summary>
    public EventListener? Listener { get; set; }

    /// <summary>A copy, so that a running database never sees a later change to the caller's object (RocksDB copies
    /// its options at open too). The file system and listener are shared, not copied.</summary>
    public DbOptions Clone() => (DbOptions)MemberwiseClone();

    internal void Validate()
    {
        if (WriteBufferSize < 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(WriteBufferSize), WriteBufferSize, "WriteBufferSize must be at least 4096 bytes.");
        }
        if (BlockSize is < 256 or > (64 << 20))
        {
            throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize, "BlockSize must be between 256 bytes and 64 MiB.");
        }
        if (BloomFilterBitsPerKey is < 0 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(BloomFilterBitsPerKey), BloomFilterBitsPerKey, "BloomFilterBitsPerKey must be between 0 (no filter) and 64.");
        }
        if (BlockCacheSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockCacheSize), BlockCacheSize, "BlockCacheSize must not be negative (0 disables the cache).");
        }
        if (MaxOpenFiles < 16)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxOpenFiles), MaxOpenFiles, "MaxOpenFiles must be at least 16.");
        }
        if (!Enum.IsDefined(Compression))
        {
            throw new ArgumentOutOfRangeException(nameof(Compression), Compression, "Unknown compression.");
        }
        if (Level0FileNumCompactionTrigger < 1 || Level0SlowdownWritesTrigger < Level0FileNumCompactionTrigger || Level0StopWritesTrigger < Level0SlowdownWritesTrigger)
        {
            throw new ArgumentOutOfRangeException(nameof(Level0StopWritesTrigger), Level0StopWritesTrigger,
                "L0 triggers must satisfy 1 <= Level0FileNumCompactionTrigger <= Level0SlowdownWritesTrigger <= Level0StopWritesTrigger.");
        }
        if (MaxBytesForLevelBase < 1024 || MaxBytesForLevelMultiplier < 2 || TargetFileSizeBase < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBytesForLevelBase), MaxBytesForLevelBase,
                "MaxBytesForLevelBase and TargetFileSizeBase must be at least 1024 bytes and MaxBytesForLevelMultiplier at least 2.");
        }
        if (MaxBackgroundCompactions is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBackgroundCompactions), MaxBackgroundCompactions, "MaxBackgroundCompactions must be between 1 and 64.");
        }
        if (BlockRestartInterval is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockRestartInterval), BlockRestartInterval, "BlockRestartInterval must be between 1 and 1024.");
        }
    }
}

/// <summary>Options for one write.</summary>
public sealed class WriteOptions
{
    /// <summary>Shared default options: no sync, WAL on.</summary>
    public static WriteOptions Default { get; } = new();

    /// <summary>
    /// Make the WAL durable (fsync) before the write returns: it then survives a power loss. Without it, a write
    /// survives a process crash (it reached the operating system) but may be lost with the machine.
    /// </summary>
    public bool Sync { get; init; }

    /// <summary>Skip the WAL: the write lives only in memory until a flush, and is lost by any crash before it.</summary>
    public bool DisableWal { get; init; }
}

/// <summary>Options for a read or an iterator.</summary>
public sealed class ReadOptions
{
    /// <summary>Shared default options: the latest state, no bounds.</summary>
    public static ReadOptions Default { get; } = new();

    /// <summary>Read as of this snapshot; null reads the latest state.</summary>
    public Snapshot? Snapshot { get; init; }

    /// <summary>Iterators see no key below this one (inclusive bound). Null: no bound.</summary>
    public byte[]? LowerBound { get; init; }

    /// <summary>Iterators see no key at or above this one (exclusive bound). Null: no bound.</summary>
    public byte[]? UpperBound { get; init; }
}
