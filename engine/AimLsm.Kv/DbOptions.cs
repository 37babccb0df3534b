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

    /// <summary>
    /// The most memtables held at once, the mutable one included (RocksDB's <c>max_write_buffer_number</c>; default 3
    /// here, 2 in RocksDB; at least 2). When the mutable memtable fills while this many exist, writes stall until the
    /// oldest frozen one is flushed. Batched writes fill a 64 MiB memtable in about a quarter of a second, faster than
    /// one flush writes it on two cores, so with 2 a burst stalls at the second switch (a quarter of fillbatch's time
    /// in the profile); the third memtable absorbs such a burst. The cost: up to this many times
    /// <see cref="WriteBufferSize"/> of memory, only while flushes lag, and a longer WAL replay after a crash then.
    /// </summary>
    public int MaxWriteBufferNumber { get; set; } = DefaultMaxWriteBufferNumber;

    /// <summary>The default of <see cref="MaxWriteBufferNumber"/>.</summary>
    internal const int DefaultMaxWriteBufferNumber = 3;

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
    /// It is the memory the blocks occupy (each in a buffer at most ~3% over its size), and the buffers are reused
    /// after eviction and never moved by the GC, so a large cache does not mean long GC pauses.
    /// </summary>
    public long BlockCacheSize { get; set; } = 64L << 20;

    /// <summary>
    /// Read table files through a read-only memory mapping instead of a <c>pread</c> per block (RocksDB's
    /// <c>allow_mmap_reads</c>; LevelDB maps tables by default on 64-bit). Default true in a 64-bit process, false in
    /// a 32-bit one, whose address space a database's tables would exhaust. A block read from the file is then a
    /// checksum and decompression straight from the page cache, with no system call and no copy; the block cache
    /// still holds the uncompressed blocks. Only the disk maps (<see cref="IFileSystem.OpenReadMapped"/>); other file
    /// systems ignore it. The risk LevelDB and RocksDB take too: a table file truncated by another process while
    /// the database has it open kills this one (SIGBUS) instead of failing a read.
    /// </summary>
    public bool AllowMmapReads { get; set; } = Environment.Is64BitProcess;

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

    /// <summary>
    /// Write the WAL through a shared memory mapping (<see cref="IFileSystem.CreateMapped"/>) where the file system
    /// supports it (the disk, on 64-bit Linux): a write's WAL append is then a copy into the page cache instead of a
    /// <c>pwrite</c> system call, with the same durability (it survives a killed process; a synced write survives a
    /// power loss). A live WAL then ends in preallocated zeros until it is closed. Default true. Set it to false on
    /// file systems where shared writable mappings are slow or unsupported (some network and FUSE file systems).
    /// </summary>
    public bool AllowMmapWrites { get; set; } = true;

    /// <summary>The file system; the disk by default. Tests pass <see cref="MemFileSystem"/> or a fault-injecting one.</summary>
    public IFileSystem? FileSystem { get; set; }

    /// <summary>Receives events: flushes, background errors, WAL damage found during recovery.</summary>
    public EventListener? Listener { get; set; }

    /// <summary>A copy, so that a running database never sees a later change to the caller's object (RocksDB copies
    /// its options at open too). The file system and listener are shared, not copied.</summary>
    public DbOptions Clone() => (DbOptions)MemberwiseClone();

    /// <summary>
    /// Checks every option at open, on the copy the engine keeps (so the caller cannot change it in between). A
    /// numeric option out of range throws <see cref="ArgumentOutOfRangeException"/> whose parameter name is the option
    /// and whose actual value is the bad value; two options that conflict throw <see cref="ArgumentException"/>
    /// naming both with their values.
    /// </summary>
    internal void Validate()
    {
        AtLeast(nameof(WriteBufferSize), WriteBufferSize, 4096, "bytes");
        Between(nameof(MaxWriteBufferNumber), MaxWriteBufferNumber, 2, 64, "memtables");
        Between(nameof(BlockSize), BlockSize, 256, 64 << 20, "bytes");
        Between(nameof(BlockRestartInterval), BlockRestartInterval, 1, 1024, "keys");
        Between(nameof(BloomFilterBitsPerKey), BloomFilterBitsPerKey, 0, 64, "bits (0: no filter)");
        AtLeast(nameof(BlockCacheSize), BlockCacheSize, 0, "bytes (0: no cache)");
        AtLeast(nameof(MaxOpenFiles), MaxOpenFiles, 16, "files");
        AtLeast(nameof(Level0FileNumCompactionTrigger), Level0FileNumCompactionTrigger, 1, "files");
        AtLeast(nameof(Level0SlowdownWritesTrigger), Level0SlowdownWritesTrigger, 1, "files");
        AtLeast(nameof(Level0StopWritesTrigger), Level0StopWritesTrigger, 1, "files");
        AtLeast(nameof(MaxBytesForLevelBase), MaxBytesForLevelBase, 1024, "bytes");
        AtLeast(nameof(MaxBytesForLevelMultiplier), MaxBytesForLevelMultiplier, 2, "(times the level above)");
        AtLeast(nameof(TargetFileSizeBase), TargetFileSizeBase, 1024, "bytes");
        AtLeast(nameof(SoftPendingCompactionBytesLimit), SoftPendingCompactionBytesLimit, 1, "bytes");
        AtLeast(nameof(HardPendingCompactionBytesLimit), HardPendingCompactionBytesLimit, 1, "bytes");
        Between(nameof(MaxBackgroundCompactions), MaxBackgroundCompactions, 1, 64, "threads");
        if (!Enum.IsDefined(Compression))
        {
            throw new ArgumentOutOfRangeException(nameof(Compression), Compression, $"DbOptions.Compression is {Compression}, not a defined Compression.");
        }
        if (!Enum.IsDefined(WalRecoveryMode))
        {
            throw new ArgumentOutOfRangeException(nameof(WalRecoveryMode), WalRecoveryMode, $"DbOptions.WalRecoveryMode is {WalRecoveryMode}, not a defined WalRecoveryMode.");
        }

        // Conflicts: writes slow down before they stop, and compaction starts before either.
        NotAbove(nameof(Level0FileNumCompactionTrigger), Level0FileNumCompactionTrigger, nameof(Level0SlowdownWritesTrigger), Level0SlowdownWritesTrigger);
        NotAbove(nameof(Level0SlowdownWritesTrigger), Level0SlowdownWritesTrigger, nameof(Level0StopWritesTrigger), Level0StopWritesTrigger);
        NotAbove(nameof(SoftPendingCompactionBytesLimit), SoftPendingCompactionBytesLimit, nameof(HardPendingCompactionBytesLimit), HardPendingCompactionBytesLimit);
    }

    private static void AtLeast(string option, long value, long min, string unit)
    {
        if (value < min)
        {
            throw new ArgumentOutOfRangeException(option, value, $"DbOptions.{option} is {value}; it must be at least {min} {unit}.");
        }
    }

    private static void Between(string option, long value, long min, long max, string unit)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(option, value, $"DbOptions.{option} is {value}; it must be between {min} and {max} {unit}.");
        }
    }

    private static void NotAbove(string lower, long lowerValue, string upper, long upperValue)
    {
        if (lowerValue > upperValue)
        {
            throw new ArgumentException($"DbOptions.{lower} ({lowerValue}) must not exceed DbOptions.{upper} ({upperValue}).", lower);
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

    /// <summary>
    /// Whether blocks this read takes from table files go into the block cache (default true; RocksDB's
    /// <c>fill_cache</c>). False for a bulk scan or export that should not push out what other reads keep using:
    /// cached blocks are still used, and every block read from a file is still checksummed. With true, an
    /// iterator's long scans insert their blocks at low priority anyway (the first evicted unless read again).
    /// </summary>
    public bool FillCache { get; init; } = true;
}
