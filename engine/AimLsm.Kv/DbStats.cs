using System.Diagnostics;

namespace AimLsm.Kv;

/// <summary>
/// Counters the engine keeps about itself, updated with interlocked adds on the paths that do the work and read by
/// <see cref="Db.GetProperty"/> and the "AimLsm" meter. Thread-safe.
/// </summary>
internal sealed class DbStats
{
    private long _writes;
    private long _ingested;
    private long _walBytes;
    private long _flushBytes;
    private long _flushes;
    private long _compactionBytesRead;
    private long _compactionBytesWritten;
    private long _compactions;
    private long _trivialMoves;
    private long _stallTicks;
    private long _stopTicks;
    private long _slowdowns;
    private long _stops;

    public long Writes => Volatile.Read(ref _writes);
    public long IngestedBytes => Volatile.Read(ref _ingested);
    public long WalBytes => Volatile.Read(ref _walBytes);
    public long FlushBytes => Volatile.Read(ref _flushBytes);
    public long Flushes => Volatile.Read(ref _flushes);
    public long CompactionBytesRead => Volatile.Read(ref _compactionBytesRead);
    public long CompactionBytesWritten => Volatile.Read(ref _compactionBytesWritten);
    public long Compactions => Volatile.Read(ref _compactions);
    public long TrivialMoves => Volatile.Read(ref _trivialMoves);
    public long Slowdowns => Volatile.Read(ref _slowdowns);
    public long Stops => Volatile.Read(ref _stops);

    /// <summary>Time writers spent delayed or stopped by flow control.</summary>
    public TimeSpan StallTime => Stopwatch.GetElapsedTime(0, Volatile.Read(ref _stallTicks) + Volatile.Read(ref _stopTicks));

    /// <summary>Bytes written to disk (WAL, flushes, compactions) per byte of user data ingested, as RocksDB counts it.</summary>
    public double WriteAmplification
    {
        get
        {
            long ingested = IngestedBytes;
            return ingested == 0 ? 0 : (double)(WalBytes + FlushBytes + CompactionBytesWritten) / ingested;
        }
    }

    /// <summary>One write (a batch of any size) of <paramref name="bytes"/> user bytes.</summary>
    public void AddIngested(long bytes)
    {
        Interlocked.Add(ref _ingested, bytes);
        Interlocked.Increment(ref _writes);
    }

    public void AddWalBytes(long bytes) => Interlocked.Add(ref _walBytes, bytes);

    public void AddFlush(long bytes)
    {
        Interlocked.Add(ref _flushBytes, bytes);
        Interlocked.Increment(ref _flushes);
    }

    public void AddCompaction(long read, long written, bool trivialMove)
    {
        Interlocked.Add(ref _compactionBytesRead, read);
        Interlocked.Add(ref _compactionBytesWritten, written);
        Interlocked.Increment(ref trivialMove ? ref _trivialMoves : ref _compactions);
    }

    public void AddStall(TimeSpan time, bool stop)
    {
        Interlocked.Add(ref stop ? ref _stopTicks : ref _stallTicks, (long)(time.TotalSeconds * Stopwatch.Frequency));
        Interlocked.Increment(ref stop ? ref _stops : ref _slowdowns);
    }
}
