namespace AimLsm.Bench.DbBench;

/// <summary>
/// What a workload needs of a key-value engine, so that AimLsm and its peers run the same code. Adapters own the
/// engine and its directory. Every member may be called from several threads at once, except that a cursor or a
/// batch belongs to one thread. Adapters avoid managed allocations of their own where the engine's API allows it.
/// </summary>
internal interface IKvEngine : IDisposable
{
    /// <summary>The engine's short name, as on the command line.</summary>
    string Name { get; }

    /// <summary>The directory the engine stores its files in.</summary>
    string Directory { get; }

    /// <summary>How the engine is configured, one line, for the report.</summary>
    string Settings { get; }

    /// <summary>Where the engine cannot honour <paramref name="sync"/> as the others do; null when it can.</summary>
    string? DurabilityCaveat(bool sync);

    /// <summary>One write, WAL on; with <paramref name="sync"/> the WAL is fsynced before it returns.</summary>
    void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool sync);

    /// <summary>A batch for one thread; written atomically where the engine supports it.</summary>
    IKvBatch NewBatch();

    /// <summary>Looks <paramref name="key"/> up; returns the value's length, or -1 when absent. The value is copied.</summary>
    int Get(ReadOnlySpan<byte> key);

    /// <summary>A cursor over the latest state, for one thread.</summary>
    IKvCursor NewCursor();

    /// <summary>
    /// Writes everything in memory to the engine's table files and waits for it and for any background merge or
    /// compaction it started, so that the next workload starts on an idle engine (not timed).
    /// </summary>
    void Flush();

    /// <summary>What the engine says about the workload just measured (compaction, stalls), or null. Resets its counters.</summary>
    string? WorkloadNote() => null;
}

/// <summary>A batch of writes, reused after <see cref="Commit"/>.</summary>
internal interface IKvBatch : IDisposable
{
    void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>Writes the batch (no fsync) and clears it.</summary>
    void Commit();
}

/// <summary>A RocksDB-style cursor. Key and Value stay valid until it moves.</summary>
internal interface IKvCursor : IDisposable
{
    bool Valid { get; }

    ReadOnlySpan<byte> Key { get; }

    ReadOnlySpan<byte> Value { get; }

    void SeekToFirst();

    void SeekToLast();

    void Seek(ReadOnlySpan<byte> target);

    /// <summary>Positions at the last key at or before <paramref name="target"/>.</summary>
    void SeekForPrev(ReadOnlySpan<byte> target);

    void Next();

    void Prev();
}
