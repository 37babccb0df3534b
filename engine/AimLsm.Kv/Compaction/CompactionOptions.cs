namespace AimLsm.Kv.Compaction;

/// <summary>
/// The part of <see cref="DbOptions"/> that level sizing and the compaction picker read, copied once at open by
/// <see cref="Db"/>. Compaction takes this record rather than DbOptions so that the arrow runs from the database to
/// compaction only, never back (docs/architecture.md). Immutable.
/// </summary>
/// <param name="MaxBytesForLevelBase">The smallest target a base level may have (RocksDB's max_bytes_for_level_base).</param>
/// <param name="MaxBytesForLevelMultiplier">Each level's target over the one above it.</param>
/// <param name="Level0FileNumCompactionTrigger">L0 files that make L0's compaction score 1.</param>
internal sealed record CompactionOptions(long MaxBytesForLevelBase, int MaxBytesForLevelMultiplier, int Level0FileNumCompactionTrigger);
