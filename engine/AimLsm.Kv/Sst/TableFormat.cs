namespace AimLsm.Kv.Sst;

/// <summary>
/// Constants of the SSTable format (docs/format.md, "SSTable files"). DO NOT CHANGE a value: add a format version.
/// <code>
/// [data block 0][trailer] ... [data block n][trailer]
/// [range-del block][trailer]        (only when the table holds range tombstones)
/// [filter block][trailer]           (version 2+, only when a filter was asked for and the table has point entries)
/// [properties block][trailer]
/// [metaindex block][trailer]        (meta block name -> handle)
/// [index block][trailer]            (last internal key of each data block -> handle)
/// [footer: 57 bytes]
/// trailer = compression type (u8) + masked CRC32C (u32 LE) of the block contents as stored and the type byte
/// </code>
/// Only data blocks are ever compressed; meta, metaindex and index blocks are written raw (type 0).
/// </summary>
internal static class TableFormat
{
    /// <summary>"AIMLSMSS" when read as bytes: the last 8 bytes of every table.</summary>
    public const ulong Magic = 0x53534D534C4D4941UL;

    /// <summary>
    /// The format version written; readers accept 1..<see cref="CurrentVersion"/>.
    /// 1: blocks are never compressed (type 0 only). 2: data blocks may be LZ4 (type 4); the filter block appears.
    /// </summary>
    public const uint CurrentVersion = 2;

    /// <summary>The first version whose blocks may be compressed (type 4).</summary>
    public const uint FirstVersionWithCompression = 2;

    public const int BlockTrailerSize = 5;

    /// <summary>Footer: checksum type (1) + handles padded (40) + version (4) + footer CRC (4) + magic (8).</summary>
    public const int FooterSize = 57;

    public const int HandlesSize = 40;

    /// <summary>Checksum type byte: CRC32C, masked.</summary>
    public const byte ChecksumCrc32C = 1;

    public const string PropertiesBlockName = "aimlsm.properties";
    public const string RangeDelBlockName = "aimlsm.range_del";

    /// <summary>The whole-key bloom filter's meta block (<see cref="BloomFilter"/>).</summary>
    public const string FilterBlockName = "aimlsm.filter.bloom";

    /// <summary>A compressed block is kept only when it is smaller than raw − raw/8 (RocksDB's GoodCompressionRatio).</summary>
    public static bool GoodCompressionRatio(int storedSize, int rawSize) => storedSize < rawSize - (rawSize / 8);

    /// <summary>The largest block contents, stored or uncompressed, a reader accepts (as for block handles).</summary>
    public const int MaxBlockSize = int.MaxValue / 2;
}

/// <summary>A block's compression type byte (RocksDB's values). DO NOT CHANGE.</summary>
internal enum CompressionType : byte
{
    None = 0,

    // 1 Snappy, 2 Zlib, 3 BZip2: RocksDB's, never written here.

    /// <summary>A varint32 of the uncompressed size, then a raw LZ4 block (table format version 2 and later).</summary>
    Lz4 = 4,
}
