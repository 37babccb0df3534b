namespace AimLsm.Kv.Keys;

/// <summary>
/// The type stored in the low byte of an internal key's trailer and as a write batch's record tag.
/// Part of the on-disk format (docs/format.md, "Internal keys"): DO NOT CHANGE the values. They are RocksDB's.
/// </summary>
internal enum EntryType : byte
{
    /// <summary>A point tombstone.</summary>
    Deletion = 0x0,

    /// <summary>A value.</summary>
    Value = 0x1,

    // 0x2 (Merge) and 0x7 (SingleDeletion) are RocksDB's; reserved here, not written.

    /// <summary>A range tombstone [key, value) ; stored apart from point entries.</summary>
    RangeDeletion = 0xF,

    /// <summary>Only in seek keys: sorts before every real type with the same sequence number.</summary>
    ForSeek = 0xFF,
}
