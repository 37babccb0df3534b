using AimLsm.Kv;
using System.Globalization;
using System.Text;
using AimLsm.Kv.Compaction;
using AimLsm.Kv.Versions;

namespace AimLsm.Kv;

public sealed partial class Db
{
    private LevelSizing Sizing() => SizingOf(_versions.Current);

    private double BlockCacheHitRatio()
    {
        (long hits, long misses) = BlockCacheCounters();
        return hits + misses == 0 ? 0 : (double)hits / (hits + misses);
    }

    /// <summary>
    /// A property of the database as text, RocksDB's GetProperty: <c>aimlsm.stats</c> (a per-level summary),
    /// <c>aimlsm.num-files-at-levelN</c>, <c>aimlsm.estimate-pending-compaction-bytes</c>, <c>aimlsm.total-sst-files-size</c>,
    /// <c>aimlsm.num-immutable-mem-table</c>, <c>aimlsm.cur-size-active-mem-table</c>, <c>aimlsm.block-cache-usage</c>,
    /// <c>aimlsm.write-amplification</c>. Null for an unknown name.
    /// </summary>
    public string? GetProperty(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ThrowIfDisposed();
        Kv.Versions.Version v = _versions.Current;
        CultureInfo inv = CultureInfo.InvariantCulture;
        if (name.StartsWith("aimlsm.num-files-at-level", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan("aimlsm.num-files-at-level".Length), NumberStyles.None, inv, out int level)
            && level < Kv.Versions.Version.NumLevels)
        {
            return v.Files(level).Count.ToString(inv);
        }
        return name switch
        {
            "aimlsm.stats" => StatsText(v),
            "aimlsm.estimate-pending-compaction-bytes" => Sizing().PendingCompactionBytes.ToString(inv),
            "aimlsm.total-sst-files-size" => v.AllFiles.Sum(f => f.Size).ToString(inv),
            "aimlsm.num-immutable-mem-table" => Volatile.Read(ref _super).Imms.Length.ToString(inv),
            "aimlsm.cur-size-active-mem-table" => Volatile.Read(ref _super).Mem.ApproximateMemoryUsage.ToString(inv),
            "aimlsm.block-cache-usage" => BlockCacheUsage().ToString(inv),
            "aimlsm.write-amplification" => Stats.WriteAmplification.ToString("F2", inv),
            _ => null,
        };
    }

    private string StatsText(Kv.Versions.Version v)
    {
        LevelSizing sizing = LevelSizing.Compute(v, _compactionOptions);
        var sb = new StringBuilder();
        CultureInfo inv = CultureInfo.InvariantCulture;
        sb.AppendLine("** AimLsm stats **");
        sb.AppendLine(inv, $"{"Level",-6}{"Files",7}{"Size(MB)",11}{"Target(MB)",12}{"Score",8}");
        for (int l = 0; l < Kv.Versions.Version.NumLevels; l++)
        {
            double target = sizing.Targets[l] / 1048576.0;
            sb.AppendLine(inv, $"{"L" + l,-6}{v.Files(l).Count,7}{v.LevelBytes(l) / 1048576.0,11:F2}{(l == 0 ? "-" : target.ToString("F1", inv)),12}{sizing.Scores[l],8:F2}");
        }
        sb.AppendLine(inv, $"base level: L{sizing.BaseLevel}; pending compaction: {sizing.PendingCompactionBytes / 1048576.0:F1} MB");
        sb.AppendLine(inv, $"ingested: {Stats.IngestedBytes / 1048576.0:F1} MB; written: WAL {Stats.WalBytes / 1048576.0:F1} MB, flush {Stats.FlushBytes / 1048576.0:F1} MB ({Stats.Flushes} flushes), compaction {Stats.CompactionBytesWritten / 1048576.0:F1} MB ({Stats.Compactions} compactions, {Stats.TrivialMoves} trivial moves); read by compaction {Stats.CompactionBytesRead / 1048576.0:F1} MB");
        sb.AppendLine(inv, $"write amplification: {Stats.WriteAmplification:F2}");
        sb.AppendLine(inv, $"stalls: {Stats.StallTime.TotalSeconds:F3} s ({Stats.Slowdowns} slowdowns, {Stats.Stops} stops)");
        (long hits, long misses) = BlockCacheCounters();
        sb.AppendLine(inv, $"block cache: {BlockCacheUsage() / 1048576.0:F1} MB used, {hits} hits, {misses} misses; open tables: {_tables.OpenCount}");
        Kv.Sst.TableStatistics t = _tableOptions.Statistics;
        sb.AppendLine(inv, $"bloom filter: {t.FilterChecks} checks, {t.FilterNegatives} tables skipped; data blocks read from files: {t.DataBlockReads}");
        return sb.ToString();
    }

    private long BlockCacheUsage() => _tableOptions.Cache?.Usage ?? 0;

    private (long Hits, long Misses) BlockCacheCounters() =>
        _tableOptions.Cache is { } c ? (c.Hits, c.Misses) : (0, 0);
}
