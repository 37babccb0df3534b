using AimLsm.IO;

namespace AimLsm;

/// <summary>How a database is opened and tuned. Defaults follow RocksDB's where the concept is the same.</summary>
public sealed class DbOptions
{
    /// <summary>Create the database when the directory holds none. Default false, as in RocksDB.</summary>
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

    /// <summary>What recovery does with a damaged WAL. Default <see cref="AimLsm.WalRecoveryMode.PointInTime"/>.</summary>
    public WalRecoveryMode WalRecoveryMode { get; set; } = WalRecoveryMode.PointInTime;

    /// <summary>The file system; the disk by default. Tests pass <see cref="MemFileSystem"/> or a fault-injecting one.</summary>
    public IFileSystem? FileSystem { get; set; }

    /// <summary>Receives events: flushes, background errors, WAL damage found during recovery.</summary>
    public EventListener? Listener { get; set; }

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
