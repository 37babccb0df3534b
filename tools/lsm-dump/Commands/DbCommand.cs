using AimLsm.Kv;
using AimLsm.Kv.IO;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Sst;
using AimLsm.Kv.Versions;
using AimLsm.Kv.Wal;
using AimLsm.Tools.LsmDump.Inspect;
using AimLsm.Tools.LsmDump.Output;

namespace AimLsm.Tools.LsmDump.Commands;

/// <summary><c>lsm-dump db DIR</c>: a summary of a database from its files alone.</summary>
internal static class DbCommand
{
    public const string Description = """
        Summarizes a database from its files: the MANIFEST's counters, each level (files, bytes, key and sequence
        ranges, entries from each table's properties), the WAL files (live ones with their record count and
        sequence range), every file in the folder marked live, obsolete (left for the engine to delete) or
        unknown, live files that are missing, and totals (entries, deletions, raw and stored bytes, compression
        ratio). Reads CURRENT, the MANIFEST, table properties and WALs directly: no LOCK is taken and nothing is
        written, so it works while another process has the database open. The runtime counters (stalls, cache
        and bloom hits, write amplification) live in the process that has the database open: read them there
        with Db.GetProperty("aimlsm.stats").
        """;

    public static int Run(CommandContext ctx)
    {
        string dir = ctx.Args.SinglePath("db", "DIR");
        DbFiles.RequireDatabase("db", dir);
        string manifestName = DbFiles.ReadCurrent(dir);
        ManifestReplay replay = ManifestReplay.Read(Path.Combine(dir, manifestName));
        Kv.Versions.Version v = replay.Result;
        ulong logNumber = replay.LogNumber ?? 0;
        DumpWriter w = ctx.Out;

        w.BeginObject("database");
        w.Field("dir", dir);
        w.Field("manifest", manifestName);
        w.Field("log_number", logNumber);
        w.Field("next_file_number", replay.NextFileNumber ?? 0);
        w.Field("last_sequence_in_manifest", replay.LastSequence ?? 0);
        w.Field("manifest_problems", (long)replay.Problems.Count);
        w.EndObject();

        var totals = new TableProperties();
        long tableBytes = 0;
        int tables = 0;
        w.BeginList("levels");
        for (int level = 0; level < Kv.Versions.Version.NumLevels; level++)
        {
            IReadOnlyList<FileMetadata> files = v.Files(level);
            if (files.Count == 0)
            {
                continue;
            }
            w.BeginItem("level");
            w.Field("level", (long)level);
            w.Field("files", (long)files.Count);
            w.Field("bytes", v.LevelBytes(level));
            w.BeginList("tables");
            foreach (FileMetadata f in files)
            {
                tables++;
                tableBytes += f.Size;
                w.BeginItem("table");
                ManifestCommand.WriteFile(ctx, f);
                string path = Path.Combine(dir, FileNames.Table(f.Number));
                try
                {
                    using TableReader t = SstCommand.OpenTable(path, f.Number);
                    TableProperties p = t.Properties;
                    w.Field("entries", p.Entries);
                    w.Field("deletions", p.Deletions);
                    w.Field("range_deletions", p.RangeDeletions);
                    Add(totals, p);
                }
                catch (Exception e) when (e is CorruptionException or IOException)
                {
                    w.Field("error", e is FileNotFoundException ? "missing" : e.Message);
                }
                w.EndItem();
            }
            w.EndList();
            w.EndItem();
        }
        w.EndList();

        long walBytes = 0;
        ulong maxSeq = replay.LastSequence ?? 0;
        List<(string Name, FileKind Kind, ulong Number, long Size)> listing = DbFiles.List(dir);
        ulong newestWal = listing.Where(f => f.Kind == FileKind.Wal).Select(f => f.Number).DefaultIfEmpty().Max();
        w.BeginList("wals");
        foreach ((string name, FileKind kind, ulong number, long size) in listing)
        {
            if (kind is not (FileKind.Wal or FileKind.DamagedWal))
            {
                continue;
            }
            w.BeginItem("wal");
            w.Field("name", name);
            w.Field("size", size);
            w.Field("live", kind == FileKind.Wal && number >= logNumber);
            if (kind == FileKind.DamagedWal)
            {
                w.Field("kept", "damaged: recovery dropped records of it and kept it aside; never replayed (inspect with lsm-dump wal, then delete)");
                WalSummary(ctx, Path.Combine(dir, name), newest: true, ref maxSeq, countSequences: false);
            }
            else if (number >= logNumber)
            {
                walBytes += size;
                WalSummary(ctx, Path.Combine(dir, name), newest: number == newestWal, ref maxSeq, countSequences: true);
            }
            w.EndItem();
        }
        w.EndList();

        var live = new HashSet<ulong>(v.AllFiles.Select(f => f.Number));
        ulong manifestNumber = 0;
        FileNames.Parse(manifestName, out manifestNumber);
        w.BeginList("files");
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, FileKind kind, ulong number, long size) in listing)
        {
            present.Add(name);
            string status = kind switch
            {
                FileKind.Current or FileKind.Lock => "live",
                FileKind.Manifest => number == manifestNumber ? "live" : "obsolete",
                FileKind.Wal => number >= logNumber ? "live" : "obsolete",
                FileKind.Table => live.Contains(number) ? "live" : "obsolete",
                FileKind.Temp => "obsolete",
                FileKind.DamagedWal => "damaged (kept by recovery)",
                _ => "unknown",
            };
            w.Item("file", () =>
            {
                w.Field("name", name);
                w.Field("size", size);
                w.Field("status", status);
            });
        }
        foreach (FileMetadata f in v.AllFiles)
        {
            string name = FileNames.Table(f.Number);
            if (!present.Contains(name))
            {
                w.Item("file", () =>
                {
                    w.Field("name", name);
                    w.Field("size", f.Size);
                    w.Field("status", "missing");
                });
            }
        }
        w.EndList();

        w.BeginObject("totals");
        w.Field("tables", (long)tables);
        w.Field("table_bytes", tableBytes);
        w.Field("wal_bytes", walBytes);
        w.Field("entries", totals.Entries);
        w.Field("deletions", totals.Deletions);
        w.Field("range_deletions", totals.RangeDeletions);
        w.Field("raw_key_bytes", totals.RawKeySize);
        w.Field("raw_value_bytes", totals.RawValueSize);
        w.Field("data_bytes", totals.DataSize);
        w.Field("data_uncompressed_bytes", totals.DataUncompressedSize);
        if (totals.DataSize > 0 && totals.DataUncompressedSize > 0)
        {
            w.Field("compression_ratio", (double)totals.DataUncompressedSize / totals.DataSize);
        }
        w.Field("last_sequence", maxSeq);
        w.EndObject();
        return 0;
    }

    private static void Add(TableProperties sum, TableProperties p)
    {
        sum.Entries += p.Entries;
        sum.Deletions += p.Deletions;
        sum.RangeDeletions += p.RangeDeletions;
        sum.RawKeySize += p.RawKeySize;
        sum.RawValueSize += p.RawValueSize;
        sum.DataSize += p.DataSize;
        sum.DataUncompressedSize += p.DataUncompressedSize;
    }

    /// <summary>
    /// A WAL's records, sequence range and damage, and what the engine's default recovery (point-in-time, verifying
    /// synced data: docs/format.md 5.4) would do with it: "clean", "recovers" (damage after the last sync point: a
    /// power cut over unacknowledged writes) or "refuses" (damage in synced bytes).
    /// </summary>
    private static void WalSummary(CommandContext ctx, string path, bool newest, ref ulong maxSeq, bool countSequences)
    {
        int records = 0, problems = 0, syncPoints = 0;
        ulong first = 0, last = 0;
        long syncedTo = 0, firstDamage = -1, syncedPastDamage = -1;
        string? damage = null;
        try
        {
            using IReadableFile file = DbFiles.Fs.OpenRead(path);
            var reader = new LogReader(file, p =>
            {
                problems++;
                if (firstDamage < 0)
                {
                    firstDamage = p.Offset;
                    damage = p.Reason;
                }
            });
            while (reader.ReadRecord(out ReadOnlySpan<byte> record))
            {
                records++;
                if (WalSyncPoint.TryRead(record, out long synced))
                {
                    syncPoints++;
                    syncedTo = Math.Max(syncedTo, synced);
                    continue;
                }
                var batch = new BatchReader(record);
                if (batch.HeaderValid && batch.Count > 0 && batch.Sequence > 0)
                {
                    first = first == 0 ? batch.Sequence : first;
                    last = batch.Sequence + (ulong)batch.Count - 1;
                }
            }
            if (firstDamage >= 0)
            {
                // The same test recovery makes (Db.Open.cs RefuseIfSynced): a sync point past the damage. The reader
                // skipped the rest of each damaged block, so the raw scan also finds sync points it did not return.
                syncedPastDamage = WalSyncPoint.LargestClaimAfter(file, firstDamage);
                syncedTo = Math.Max(syncedTo, syncedPastDamage);
            }
        }
        catch (FileNotFoundException)
        {
            ctx.Out.Field("error", "deleted while reading");
            return;
        }
        ctx.Out.Field("records", (long)records);
        if (records > 0)
        {
            ctx.Out.Field("first_seq", first);
            ctx.Out.Field("last_seq", last);
        }
        ctx.Out.Field("sync_points", (long)syncPoints);
        ctx.Out.Field("synced_to", syncedTo);
        ctx.Out.Field("problems", (long)problems);
        if (firstDamage < 0)
        {
            ctx.Out.Field("recovery", "clean");
        }
        else if (!newest || syncedPastDamage >= 0)
        {
            ctx.Out.Field("recovery", $"refuses: {damage} at offset {firstDamage}, "
                + (newest ? $"before the synced offset {syncedPastDamage}" : "in a WAL a newer one followed (synced whole)")
                + ": acknowledged writes would be lost (VerifySyncedWal = false accepts the loss)");
        }
        else
        {
            ctx.Out.Field("recovery", $"recovers point-in-time: {damage} at offset {firstDamage}, after the last synced offset {syncedTo} (writes never acknowledged durable)");
        }
        if (countSequences)
        {
            maxSeq = Math.Max(maxSeq, last);
        }
    }
}
