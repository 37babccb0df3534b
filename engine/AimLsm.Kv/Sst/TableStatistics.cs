namespace AimLsm.Kv.Sst;

/// <summary>
/// Counters of the table layer, shared by every table opened with one <see cref="TableOptions"/> (one per
/// database). Thread-safe: updated with <see cref="Interlocked"/>, read at any time.
/// </summary>
internal sealed class TableStatistics
{
    private long _filterChecks;
    private long _filterNegatives;
    private long _dataBlockReads;

    /// <summary>Point lookups that consulted a table's bloom filter.</summary>
    public long FilterChecks => Volatile.Read(ref _filterChecks);

    /// <summary>Lookups the filter answered "certainly absent" ("filter useful"): no index or data block was read.</summary>
    public long FilterNegatives => Volatile.Read(ref _filterNegatives);

    /// <summary>Data blocks read from a file (cache misses, or every read without a cache).</summary>
    public long DataBlockReads => Volatile.Read(ref _dataBlockReads);

    internal void CountFilterCheck(bool negative)
    {
        Interlocked.Increment(ref _filterChecks);
        if (negative)
        {
            Interlocked.Increment(ref _filterNegatives);
        }
    }

    internal void CountDataBlockRead() => Interlocked.Increment(ref _dataBlockReads);
}
