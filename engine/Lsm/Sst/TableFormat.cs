namespace AimLsm.Lsm.Sst;

/// <summary>
/// Constants of the SSTable format (docs/format.md, "SSTable files"). DO NOT CHANGE a value: add a format version.
/// <code>
/// [data block 0][trailer] ... [data block n][trailer]
/// [range-del block][trailer]        (only when the table holds range tombstones)
/// [properties block][trailer]
/// [metaindex block][trailer]        (meta block name -> handle)
/// [index block][trailer]            (last internal key of each data block -> handle)
/// [footer: 57 bytes]
/// trailer = compression type (u8) + masked CRC32C (u32 LE) of the block contents and the type byte
/// </code>
/// </summary>
internal static class TableFormat
{
    /// <summary>"AIMLSMSS" when read as bytes: the last 8 bytes of every table.</summary>
    public const ulong Magic = 0x53534D534C4D4941UL;

    /// <summary>The format version written; readers accept 1..<see cref="CurrentVersion"/>.</summary>
    public const uint CurrentVersion = 1;

    public const int BlockTrailerSize = 5;

    /// <summary>Footer: checksum type (1) + handles padded (40) + version (4) + footer CRC (4) + magic (8).</summary>
    public const int FooterSize = 57;

    public const int HandlesSize = 40;

    /// <summary>Checksum type byte: CRC32C, masked.</summary>
    public const byte ChecksumCrc32C = 1;

    public const string PropertiesBlockName = "aimlsm.properties";
    public const string RangeDelBlockName = "aimlsm.range_del";
}

/// <summary>A block's compression type byte (RocksDB's values). DO NOT CHANGE.</summary>
internal enum CompressionType : byte
{
    None = 0,

    // 1 Snappy, 2 Zlib, 3 BZip2: RocksDB's, never written here.

    /// <summary>A varint of the uncompressed size, then a raw LZ4 block (written from the compaction issue on).</summary>
    Lz4 = 4,
}
