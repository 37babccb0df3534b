namespace AimLsm.Kv.Sst;

/// <summary>
/// Counters of the table layer, shared by every table opened with one <see cref="TableOptions"/> (one per
/// database). Thread-safe: updated with <see cref="Interlocked"/>, read at any time.
/// <para>
/// Each counter is striped by thread (<see cref="Stripes"/> cells, each on its own 128-byte span so that two
/// stripes never share a cache line or its prefetched neighbour) and read as the sum of its cells: a point lookup
/// counts a filter check in every table it probes, and one shared counter updated from every reading thread would
/// move its cache line between the cores on each of them. A read sees each cell's latest value, not one instant.
/// </para>
/// </summary>
internal sealed class TableStatistics
{
    private const int Stripes = 16;        // a power of two
    private const int Stride = 16;         // longs per stripe: 128 bytes
    private const int FilterChecksCell = 0;
    private const int FilterNegativesCell = 1;
    private const int DataBlockReadsCell = 2;

    // Stripe s's counters at [(s + 1) * Stride + cell]: the first Stride longs are left empty, away from the
    // array's header, which other objects' lines may neighbour.
    private readonly long[] _cells = new long[(Stripes + 1) * Stride];

    /// <summary>Point lookups that consulted a table's bloom filter.</summary>
    public long FilterChecks => Sum(FilterChecksCell);

    /// <summary>Lookups the filter answered "certainly absent" ("filter useful"): no index or data block was read.</summary>
    public long FilterNegatives => Sum(FilterNegativesCell);

    /// <summary>Data blocks read from a file (cache misses, or every read without a cache).</summary>
    public long DataBlockReads => Sum(DataBlockReadsCell);

    internal void CountFilterCheck(bool negative)
    {
        int s = StripeOfThisThread();
        Interlocked.Increment(ref _cells[s + FilterChecksCell]);
        if (negative)
        {
            Interlocked.Increment(ref _cells[s + FilterNegativesCell]);
        }
    }

    internal void CountDataBlockRead() => Interlocked.Increment(ref _cells[StripeOfThisThread() + DataBlockReadsCell]);

    private static int StripeOfThisThread() => ((Environment.CurrentManagedThreadId & (Stripes - 1)) + 1) * Stride;

    private long Sum(int cell)
    {
        long sum = 0;
        for (int s = 1; s <= Stripes; s++)
        {
            sum += Volatile.Read(ref _cells[(s * Stride) + cell]);
        }
        return sum;
    }
}
