using AimLsm.Kv;
using System.Buffers;
using AimLsm.Kv.IO;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Sst;
using AimLsm.Kv.Versions;
using AimLsm.Kv.Wal;
using AimLsm.Tools.LsmDump.Cli;
using AimLsm.Tools.LsmDump.Inspect;
using AimLsm.Tools.LsmDump.Output;

namespace AimLsm.Tools.LsmDump.Commands;

/// <summary><c>lsm-dump verify DIR|FILE</c>: checks every checksum; exit code 1 when anything is damaged.</summary>
internal static class VerifyCommand
{
    public const string Description = """
        Checks every checksum and structure of a database (CURRENT, the MANIFEST, every live table: footer, index,
        meta blocks, every data block decompressed and its entries in order; every live WAL: every record and its
        write batch) or of one file, whose kind is told by its name (NNNNNN.log, NNNNNN.sst, MANIFEST-NNNNNN,
        CURRENT). Each problem is listed with its file and offset. A torn tail in the newest WAL of a database is
        listed as a note, not as damage: it is what a writer in the middle of an append leaves. Exit code 0 when
        clean, 1 when damage was found, 2 on bad input. Read-only; takes no lock. Shows progress on a terminal.
        """;

    private sealed class State(CommandContext ctx)
    {
        public CommandContext Ctx { get; } = ctx;
        public int Files { get; set; }
        public int Problems { get; set; }
        public long Bytes { get; set; }

        public void Problem(string file, long offset, string reason)
        {
            Problems++;
            Ctx.Out.Item("corruption", () =>
            {
                Ctx.Out.Field("file", file);
                Ctx.Out.Field("offset", offset);
                Ctx.Out.Field("reason", reason);
            });
        }

        public void Note(string file, long offset, string reason) =>
            Ctx.Out.Item("note", () =>
            {
                Ctx.Out.Field("file", file);
                Ctx.Out.Field("offset", offset);
                Ctx.Out.Field("reason", reason);
            });

        /// <summary>Files and bytes the whole check covers, when known up front (a database: its live files).</summary>
        public (int Files, long Bytes)? Total { get; set; }

        public void Checked(string file, long size)
        {
            Files++;
            Bytes += size;
            Show(0);
        }

        /// <summary>Progress inside a file: <paramref name="within"/> bytes of the current one read so far.</summary>
        public void Show(long within)
        {
            if (!Ctx.Progress.Enabled)
            {
                return; // not even the text: this runs once per WAL record
            }
            const double MiB = 1 << 20;
            Ctx.Progress.Report(Total is { } t
                ? $"verify: {Files} of {t.Files} files, {(Bytes + within) / MiB:N0} of {t.Bytes / MiB:N0} MiB checked"
                : $"verify: {Files} files, {(Bytes + within) / MiB:N0} MiB checked");
        }
    }

    public static int Run(CommandContext ctx)
    {
        string path = ctx.Args.SinglePath("verify", "DIR or FILE");
        var s = new State(ctx);
        DumpWriter w = ctx.Out;
        if (Directory.Exists(path))
        {
            DbFiles.RequireDatabase("verify", path);
            w.BeginList("findings");
            VerifyDatabase(s, path);
        }
        else
        {
            DbFiles.RequireFile("verify", path);
            FileKind kind = FileNames.Parse(Path.GetFileName(path), out _);
            if (kind is not (FileKind.Wal or FileKind.Table or FileKind.Manifest or FileKind.Current))
            {
                throw new BadInputException($"verify: cannot tell what kind of file '{path}' is from its name (expected NNNNNN.log, NNNNNN.sst, MANIFEST-NNNNNN or CURRENT)");
            }
            w.BeginList("findings");
            VerifyFile(s, path, kind, tailIsNote: false);
        }
        w.EndList();
        ctx.Progress.Clear();
        w.BeginObject("summary");
        w.Field("files_checked", (long)s.Files);
        w.Field("bytes_checked", s.Bytes);
        w.Field("problems", (long)s.Problems);
        w.Field("result", s.Problems == 0 ? "ok" : "corrupt");
        w.EndObject();
        return s.Problems == 0 ? 0 : 1;
    }

    private static void VerifyDatabase(State s, string dir)
    {
        string manifest;
        try
        {
            manifest = DbFiles.ReadCurrent(dir);
            s.Checked(Path.Combine(dir, FileNames.Current), 0);
        }
        catch (CorruptionException e)
        {
            s.Problem(e.File, e.Offset, e.Detail);
            return;
        }
        string manifestPath = Path.Combine(dir, manifest);
        ManifestReplay replay = VerifyManifest(s, manifestPath);
        ulong logNumber = replay.LogNumber ?? 0;
        List<(string Name, FileKind Kind, ulong Number, long Size)> wals =
            [.. DbFiles.List(dir).Where(f => f.Kind == FileKind.Wal && f.Number >= logNumber).OrderBy(f => f.Number)];
        // CURRENT and the MANIFEST are checked already; the tables and WALs ahead are what takes the time.
        s.Total = (s.Files + replay.Result.AllFiles.Count() + wals.Count,
            s.Bytes + replay.Result.AllFiles.Sum(f => (long)f.Size) + wals.Sum(w => w.Size));
        foreach (FileMetadata f in replay.Result.AllFiles)
        {
            string table = Path.Combine(dir, FileNames.Table(f.Number));
            if (!File.Exists(table))
            {
                s.Problem(table, 0, $"live table {f.Number} named by {manifest} is missing");
                continue;
            }
            long size = new FileInfo(table).Length;
            if (size != f.Size)
            {
                s.Problem(table, 0, $"the table is {size} bytes; {manifest} records {f.Size}");
                continue;
            }
            VerifyTable(s, table, f.Number);
        }
        for (int i = 0; i < wals.Count; i++)
        {
            VerifyWal(s, Path.Combine(dir, wals[i].Name), tailIsNote: i == wals.Count - 1);
        }
    }

    private static void VerifyFile(State s, string path, FileKind kind, bool tailIsNote)
    {
        switch (kind)
        {
            case FileKind.Table:
                FileNames.Parse(Path.GetFileName(path), out ulong number);
                VerifyTable(s, path, number);
                break;
            case FileKind.Wal:
                VerifyWal(s, path, tailIsNote);
                break;
            case FileKind.Manifest:
                VerifyManifest(s, path);
                break;
            default:
                string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
                try
                {
                    DbFiles.ReadCurrent(dir);
                    s.Checked(path, new FileInfo(path).Length);
                }
                catch (CorruptionException e)
                {
                    s.Problem(e.File, e.Offset, e.Detail);
                }
                break;
        }
    }

    private static ManifestReplay VerifyManifest(State s, string path)
    {
        ManifestReplay replay = ManifestReplay.Read(path);
        foreach ((long offset, string kind, string reason) in replay.Problems)
        {
            s.Problem(path, offset, $"{kind}: {reason}");
        }
        s.Checked(path, new FileInfo(path).Length);
        return replay;
    }

    private static void VerifyWal(State s, string path, bool tailIsNote)
    {
        using IReadableFile file = DbFiles.Fs.OpenRead(path);
        var reader = new LogReader(file, p =>
        {
            if (tailIsNote && p.Kind == LogProblemKind.TruncatedTail)
            {
                s.Note(path, p.Offset, "TruncatedTail in the newest WAL (a write in progress, or a crash mid-append): " + p.Reason);
            }
            else
            {
                s.Problem(path, p.Offset, p.Kind + ": " + p.Reason);
            }
        });
        while (reader.ReadRecord(out ReadOnlySpan<byte> record))
        {
            s.Show(reader.LastRecordOffset);
            string? bad = CheckBatch(record);
            if (bad is not null)
            {
                s.Problem(path, reader.LastRecordOffset, "write batch: " + bad);
            }
        }
        s.Checked(path, file.Length);
    }

    private static string? CheckBatch(ReadOnlySpan<byte> record)
    {
        if (WalSyncPoint.IsMetadata(record))
        {
            return WalSyncPoint.TryRead(record, out _) ? null : $"a WAL metadata record of {record.Length} bytes (kind {record[8]}) this build does not know";
        }
        var batch = new BatchReader(record);
        if (!batch.HeaderValid)
        {
            return $"{record.Length} bytes, shorter than a batch header (12)";
        }
        if (batch.Sequence == 0)
        {
            return "sequence number 0";
        }
        try
        {
            while (batch.Next(out _, out _, out _))
            {
            }
        }
        catch (FormatException e)
        {
            return e.Message;
        }
        return null;
    }

    private static void VerifyTable(State s, string path, ulong number)
    {
        try
        {
            using TableReader table = SstCommand.OpenTable(path, number);
            table.Verify(e => s.Problem(e.File, e.Offset, e.Detail));
            s.Checked(path, table.FileSize);
        }
        catch (CorruptionException e)
        {
            s.Problem(e.File, e.Offset, e.Detail);
            s.Checked(path, 0);
        }
    }
}
