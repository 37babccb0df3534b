using AimLsm.Kv.IO;
using AimLsm.Kv;
using Microsoft.Extensions.Logging;

namespace AimLsm.Tree;

/// <summary>Options of a <see cref="Repo"/>. The defaults suit a training process tracking a few hundred sequences.</summary>
public sealed class RepoOptions
{
    /// <summary>
    /// Tracked points the background queue holds before <see cref="Run.Track(object?, string, long?, long?, Context?)"/>
    /// blocks (back-pressure). Bigger absorbs longer bursts at the cost of memory (about 64 bytes a point). Default 65,536.
    /// </summary>
    public int TrackingQueueCapacity { get; set; } = 1 << 16;

    /// <summary>
    /// Longest time a tracked point may wait in memory, under sustained load, before the background writer hands it
    /// to the engine where readers see it. When the queue runs empty it is written at once. Default 100 ms.
    /// </summary>
    public TimeSpan TrackingFlushInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Records per sequence chunk (docs/format.md, section 13.2). A chunk is rewritten whole while it fills,
    /// so smaller chunks cost less per write and more per read. Default 256.</summary>
    public int SequenceChunkSize { get; set; } = 256;

    /// <summary>A str or bytes field of a tracked object at least this long is stored apart and read only on demand
    /// (an image's data, an audio clip). Default 4 KiB.</summary>
    public int BlobThreshold { get; set; } = 4096;

    /// <summary>Memtable size of each writer slot's engine. Default 32 MiB.</summary>
    public long WriteBufferSize { get; set; } = 32L << 20;

    /// <summary>
    /// Data block size of each slot's engine. Default 16 KiB, four times the engine's default: a repo's keys are
    /// long tree paths and its values sequence chunks of a few KiB, read in ranges, so bigger blocks mean a quarter
    /// of the index entries to search per lookup (a query over 10,000 runs: ~12% faster) and better compression.
    /// </summary>
    public int BlockSize { get; set; } = 16 << 10;

    /// <summary>Block cache of each slot's engine. Default 32 MiB.</summary>
    public long BlockCacheSize { get; set; } = 32L << 20;

    /// <summary>
    /// The file system every file of the repo goes through: its marker, the folder listing of its writer slots, the
    /// slots' owner files and LOCK files, and every engine the repo opens. Default null: the disk. Pass a
    /// <see cref="MemFileSystem"/> for a repo that never touches the disk, or a <c>AimLsm.Testing.FaultInjectionFileSystem</c>
    /// to test power loss and I/O errors under the repo (docs/aim-repo.md, "File system").
    /// </summary>
    public IFileSystem? FileSystem { get; set; }

    /// <summary><see cref="FileSystem"/>, or the disk when it is null.</summary>
    internal IFileSystem ResolvedFileSystem => FileSystem ?? DiskFileSystem.Instance;

    /// <summary>
    /// What a slot's engine does with a damaged write-ahead log when it opens (RocksDB's four modes). Default
    /// <see cref="WalRecoveryMode.PointInTime"/>, which with <see cref="VerifySyncedWal"/> refuses damage in synced
    /// bytes and quarantines that slot: docs/aim-repo.md, "A damaged WAL".
    /// </summary>
    public WalRecoveryMode WalRecoveryMode { get; set; } = WalRecoveryMode.PointInTime;

    /// <summary>
    /// Refuse (quarantine the slot) when a WAL is damaged in bytes the engine had synced, that is in points that
    /// <see cref="Run.Flush"/> or <see cref="Repo.Flush"/> had acknowledged. Default true. Set it to false, and open
    /// the repo for writing once, to accept the loss: the slot then recovers the history before the damage, keeps the
    /// damaged log as <c>NNNNNN.log.damaged</c> and reports what was dropped in <see cref="Repo.RecoveryReport"/>.
    /// </summary>
    public bool VerifySyncedWal { get; set; } = true;

    /// <summary>Where the repo logs what recovery found (a warning per damaged slot, an error per quarantined
    /// one). Default null: those lines go to standard error, since a silent data-loss report is no report.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>A copy, as <see cref="Repo.Open"/> and <see cref="Repo.OpenReadOnly"/> make one: a repo never sees a
    /// later change to the caller's object. The file system and logger are shared, not copied.</summary>
    public RepoOptions Clone() => (RepoOptions)MemberwiseClone();

    /// <summary>Checks every option at open, on the repo's own copy; an option out of range throws
    /// <see cref="ArgumentOutOfRangeException"/> whose parameter name is the option and whose actual value is the bad
    /// value. The options each slot's engine gets are checked here too, so a bad one fails the open, not a later
    /// slot open.</summary>
    internal void Validate()
    {
        if (WriteBufferSize < 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(WriteBufferSize), WriteBufferSize, $"RepoOptions.WriteBufferSize is {WriteBufferSize}; it must be at least 4096 bytes.");
        }

        if (BlockCacheSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockCacheSize), BlockCacheSize, $"RepoOptions.BlockCacheSize is {BlockCacheSize}; it must not be negative (0: no cache).");
        }

        if (TrackingQueueCapacity is < 1 or > (1 << 26))
        {
            throw new ArgumentOutOfRangeException(nameof(TrackingQueueCapacity), TrackingQueueCapacity, "TrackingQueueCapacity must be between 1 and 2^26.");
        }

        if (TrackingFlushInterval < TimeSpan.Zero || TrackingFlushInterval > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(TrackingFlushInterval), TrackingFlushInterval, "TrackingFlushInterval must be between 0 and 1 minute.");
        }

        if (SequenceChunkSize is < 1 or > 65536)
        {
            throw new ArgumentOutOfRangeException(nameof(SequenceChunkSize), SequenceChunkSize, "SequenceChunkSize must be between 1 and 65,536.");
        }

        if (BlockSize is < 1024 or > (4 << 20))
        {
            throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize, "BlockSize must be between 1 KiB and 4 MiB.");
        }

        if (!Enum.IsDefined(WalRecoveryMode))
        {
            throw new ArgumentOutOfRangeException(nameof(WalRecoveryMode), WalRecoveryMode, "Unknown WalRecoveryMode.");
        }

        if (BlobThreshold < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(BlobThreshold), BlobThreshold, "BlobThreshold must be at least 2 bytes.");
        }
    }

    internal DbOptions CreateDbOptions() => new()
    {
        CreateIfMissing = true,
        WriteBufferSize = WriteBufferSize,
        BlockCacheSize = BlockCacheSize,
        BlockSize = BlockSize,
        FileSystem = ResolvedFileSystem,
        WalRecoveryMode = WalRecoveryMode,
        VerifySyncedWal = VerifySyncedWal,
    };
}
