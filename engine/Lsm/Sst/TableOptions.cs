namespace AimLsm.Lsm.Sst;

/// <summary>How tables are written and read; built from <see cref="DbOptions"/> once per database.</summary>
/// <param name="BlockSize">Target uncompressed data block size.</param>
/// <param name="RestartInterval">Entries between restart points in data blocks.</param>
/// <param name="Compression">Compression of new data blocks (readers handle whatever a table holds).</param>
/// <param name="BloomBitsPerKey">Bloom filter bits per key; 0 writes no filter.</param>
/// <param name="Cache">The shared block cache, or null for none.</param>
internal sealed record TableOptions(int BlockSize, int RestartInterval, Compression Compression, int BloomBitsPerKey, Cache.BlockCache? Cache)
{
    /// <summary>Counters of every table read with these options (filter checks, block reads).</summary>
    public TableStatistics Statistics { get; init; } = new();

    public static TableOptions From(DbOptions o, Cache.BlockCache? cache) =>
        new(o.BlockSize, o.BlockRestartInterval, o.Compression, o.BloomFilterBitsPerKey, cache);
}
