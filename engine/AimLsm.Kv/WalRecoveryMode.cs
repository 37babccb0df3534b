namespace AimLsm.Kv;

/// <summary>What <see cref="Db.Open"/> does with a damaged write-ahead log: RocksDB's four modes (docs/format.md, "Log files").</summary>
public enum WalRecoveryMode
{
    /// <summary>
    /// Replay up to the first damaged or torn record, then stop: the database opens with a consistent prefix of the
    /// history. What was dropped is reported. The default, as in RocksDB.
    /// </summary>
    PointInTime,

    /// <summary>Tolerate a torn record or zero-filled space at the end of a WAL; fail on any other damage (LevelDB; RocksDB applies it to every WAL too).</summary>
    TolerateCorruptedTailRecords,

    /// <summary>Fail on any damage, even a torn tail. Only for logs known to have been closed cleanly.</summary>
    AbsoluteConsistency,

    /// <summary>Salvage: skip every damaged record and replay the rest. May break batch ordering across the gap.</summary>
    SkipAnyCorruptedRecords,
}
