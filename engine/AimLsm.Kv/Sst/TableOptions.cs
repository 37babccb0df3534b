namespace AimLsm.Kv.Sst;

/// <summary>
/// How tables are written and read. Built by <see cref="Db"/> from its options once per database: Sst never sees
/// DbOptions, so the arrow runs from the database to its tables only (docs/architecture.md).
/// </summary>
/// <param name="BlockSize">Target uncompressed data block size.</param>
/// <param name="RestartInterval">Entries between restart points in data blocks.</param>
/// <param name="Compression">Compression of new data blocks (readers handle whatever a table holds).</param>
/// <param name="BloomBitsPerKey">Bloom filter bits per key; 0 writes no filter.</param>
/// <param name="Cache">The shared block cache, or null for none.</param>
internal sealed record TableOptions(int BlockSize, int RestartInterval, Compression Compression, int BloomBitsPerKey, Cache.BlockCache? Cache)
{
    /// <summary>Counters of every table read with these options (filter checks, block reads).</summary>
    public TableStatistics Statistics { get; init; } = new();

    /// <summary>Open table files through <see cref="IO.IFileSystem.OpenReadMapped"/> (DbOptions.AllowMmapReads).</summary>
    public bool MmapReads { get; init; }
}
