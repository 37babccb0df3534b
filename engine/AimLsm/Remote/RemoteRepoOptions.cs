using Microsoft.Extensions.Logging;

namespace AimLsm.Remote;

/// <summary>
/// How a <see cref="RemoteRepo"/> talks to its server: the token, when batches are sent, how much waits in memory and
/// in the local spool, and how long <see cref="RemoteRepo.Flush"/> waits (docs/aim-repo.md, "Many machines").
/// <see cref="RemoteRepo.Connect"/> copies and validates the options; later changes do not reach a connected repo.
/// </summary>
public sealed class RemoteRepoOptions
{
    /// <summary>The environment variable read for the bearer token when <see cref="Token"/> is null.</summary>
    public const string TokenVariable = "AIMLSM_TOKEN";

    /// <summary>The bearer token the server's tracking endpoint asks for (<c>Authorization: Bearer TOKEN</c>); null:
    /// the environment variable <c>AIMLSM_TOKEN</c>, and no header when that is unset too.</summary>
    public string? Token { get; set; }

    /// <summary>How long <see cref="RemoteRepo.Flush"/>, a run's <c>Flush</c> and <c>Dispose</c> wait for the server
    /// to acknowledge everything tracked before them (default 30 s); then they throw a <see cref="TimeoutException"/>
    /// that says since when the server is away and how much waits where. Nothing is dropped by the timeout.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The folder in which the repo keeps its spool, as a subfolder <c>aimlsm-spool-SESSION</c> (the session id in 32
    /// hex digits): an AimLsm.Kv database holding the sealed batches the server has not taken yet (docs/format.md
    /// 15.4). The folder must exist. Default null: the system's temporary folder (<see cref="Path.GetTempPath"/>). The
    /// subfolder is created at the first batch spooled and deleted by <see cref="RemoteRepo.Dispose"/> once it is empty.
    /// </summary>
    public string? SpoolPath { get; set; }

    /// <summary>The most bytes of batches the spool holds (default 1 GiB, counted as the frames' sizes); when it and
    /// the in-memory queue are full, <c>Track</c> blocks until the server takes batches, and logs that once.</summary>
    public long SpoolBytes { get; set; } = 1L << 30;

    /// <summary>Operations (points, tags, params, ...) the in-memory queue between <c>Track</c> and the background
    /// sender holds (default 65,536).</summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>A batch is sealed once it holds this many operations (default 16,384).</summary>
    public int BatchOperations { get; set; } = 16_384;

    /// <summary>A batch is sealed once its frame reaches this many bytes (default 80 KiB, about 2,400 float points);
    /// kept below the server's frame limit (16 MiB by default).</summary>
    /// <remarks>80 KiB keeps every sealed frame of points below the runtime's large object heap threshold (85,000
    /// bytes): the copy a batch is sealed into is then a young-generation allocation, not one that makes a training
    /// process collect its whole heap sooner. Batches this size already spread a batch's fixed cost over thousands
    /// of points.</remarks>
    public int BatchBytes { get; set; } = 80 << 10;

    /// <summary>A batch is sealed at most this long after its first operation (default 100 ms): the longest a point
    /// waits in the client before it is sent while the server is there (a <see cref="RemoteRepo.Flush"/> seals at once).</summary>
    /// <remarks>Every batch costs both sides a fixed amount (a thread-pool wake-up to send it and one to take its
    /// acknowledgement, a frame, a tracker flush and a WAL sync on the server), and a busy connection seals one batch
    /// per delay whatever its rate, so this sets the fixed cost per second per connection. 20 ms made 3,200 batches a
    /// second from the remote bench's 64 connections; 100 ms makes 640.</remarks>
    public TimeSpan BatchDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Batches sent and not yet acknowledged, at most (default 8): the next one is sent when the oldest is
    /// acknowledged. While the server is unreachable, also how many sealed batches wait in memory; the later ones wait
    /// in the spool.</summary>
    public int Window { get; set; } = 8;

    /// <summary>
    /// The most bytes of sealed, unacknowledged batches kept in memory while the server is connected (default 64 MiB,
    /// counted as the frames' sizes). A server slower than the training makes batches wait; up to this many bytes they
    /// wait in memory, and only the later ones go through the spool (a local engine write and a read back each). Memory
    /// always holds at least one batch, so this may be smaller than <see cref="BatchBytes"/>.
    /// </summary>
    public long MemoryBytes { get; set; } = 64L << 20;

    /// <summary>When true, <see cref="RemoteRepo.Connect"/> waits up to <see cref="FlushTimeout"/> for the server's
    /// first answer and throws when it does not come; when false (the default), it returns at once and a server that is
    /// down is an offline start: batches go to the spool until the server is there.</summary>
    public bool RequireServer { get; set; }

    /// <summary>Where the client says what happens to its connection (connected, lost, a refused batch, the spool full);
    /// null: nothing is logged, and failures still reach the caller as exceptions.</summary>
    public ILogger? Logger { get; set; }

    internal RemoteRepoOptions Validated()
    {
        var copy = (RemoteRepoOptions)MemberwiseClone();
        copy.Token ??= Environment.GetEnvironmentVariable(TokenVariable);
        Positive(copy.FlushTimeout, nameof(FlushTimeout));
        Positive(copy.BatchDelay, nameof(BatchDelay));
        if (copy.SpoolBytes < copy.BatchBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(SpoolBytes), copy.SpoolBytes, $"must hold at least one batch ({nameof(BatchBytes)} = {copy.BatchBytes} bytes).");
        }

        AtLeast(copy.QueueCapacity, 16, nameof(QueueCapacity));
        AtLeast(copy.BatchOperations, 1, nameof(BatchOperations));
        AtLeast(copy.Window, 1, nameof(Window));
        AtLeast(copy.MemoryBytes, 0, nameof(MemoryBytes));
        AtLeast(copy.BatchBytes, 4096, nameof(BatchBytes));
        if (copy.BatchBytes > MaxBatchBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchBytes), copy.BatchBytes, $"must be at most {MaxBatchBytes} bytes, below the server's default frame limit.");
        }

        copy.SpoolPath = Path.GetFullPath(copy.SpoolPath ?? Path.GetTempPath());
        return copy;
    }

    /// <summary>The largest <see cref="BatchBytes"/>: a quarter of the server's default frame limit (16 MiB), so a
    /// batch sealed after one more large point still fits.</summary>
    internal const int MaxBatchBytes = 4 << 20;

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, "must be positive.");
        }
    }

    private static void AtLeast(long value, long min, string name)
    {
        if (value < min)
        {
            throw new ArgumentOutOfRangeException(name, value, $"must be at least {min}.");
        }
    }
}
