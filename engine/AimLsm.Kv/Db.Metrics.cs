using System.Diagnostics.Metrics;

namespace AimLsm.Kv;

public sealed partial class Db
{
    /// <summary>The name of the <see cref="Meter"/> every database publishes its instruments under.</summary>
    public const string MeterName = "AimLsm";

    private Meter? _meter;

    /// <summary>
    /// Publishes the database's instruments on a <see cref="Meter"/> named <see cref="MeterName"/>, tagged with the
    /// database path (README "Watch it run" lists them with their units; <c>dotnet-counters monitor --counters AimLsm</c>
    /// shows them). All are observable: they read <see cref="DbStats"/> and the block cache's counters only when a
    /// listener (dotnet-counters, OpenTelemetry) collects, so the write and read paths pay nothing for them.
    /// </summary>
    private void CreateMeter()
    {
        var tags = new KeyValuePair<string, object?>[] { new("db", _path) };
        var meter = new Meter(MeterName, null, tags);
        meter.CreateObservableCounter("aimlsm.writes", () => Stats.Writes, "{write}", "Writes applied (a batch counts once).");
        meter.CreateObservableCounter("aimlsm.bytes_written", () => Stats.IngestedBytes, "By", "Bytes of keys and values written by users.");
        meter.CreateObservableCounter("aimlsm.wal.bytes_written", () => Stats.WalBytes, "By", "Bytes appended to write-ahead logs.");
        meter.CreateObservableCounter("aimlsm.flushes", () => Stats.Flushes, "{flush}", "Memtables flushed to L0 tables.");
        meter.CreateObservableCounter("aimlsm.flush.bytes_written", () => Stats.FlushBytes, "By", "Bytes of L0 tables written by flushes.");
        meter.CreateObservableCounter("aimlsm.compactions", () => Stats.Compactions + Stats.TrivialMoves, "{compaction}", "Compactions run, trivial moves included.");
        meter.CreateObservableCounter("aimlsm.compaction.bytes_written", () => Stats.CompactionBytesWritten, "By", "Bytes of tables written by compactions.");
        meter.CreateObservableCounter("aimlsm.compaction.bytes_read", () => Stats.CompactionBytesRead, "By", "Bytes of tables read by compactions.");
        meter.CreateObservableGauge("aimlsm.write_amplification", () => Stats.WriteAmplification, null, "Bytes written to disk per byte ingested.");
        meter.CreateObservableCounter("aimlsm.stalls", () => Stats.Slowdowns + Stats.Stops, "{stall}", "Writes delayed or stopped by flow control.");
        meter.CreateObservableCounter("aimlsm.stall.time", () => Stats.StallTime.TotalSeconds, "s", "Time writes were delayed or stopped by flow control.");
        meter.CreateObservableCounter("aimlsm.block_cache.hits", () => BlockCacheCounters().Hits, "{lookup}", "Block cache lookups that found the block.");
        meter.CreateObservableCounter("aimlsm.block_cache.misses", () => BlockCacheCounters().Misses, "{lookup}", "Block cache lookups that read the block from its file.");
        meter.CreateObservableGauge("aimlsm.block_cache.hit_ratio", () => BlockCacheHitRatio(), null, "Block cache hits per lookup.");
        meter.CreateObservableGauge("aimlsm.level0.files", () => _versions.Current.Files(0).Count, "{file}", "Tables in L0.");
        meter.CreateObservableGauge("aimlsm.compaction.pending_bytes", () => Sizing().PendingCompactionBytes, "By", "Estimated bytes compaction must rewrite.");
        _meter = meter;
    }
}
