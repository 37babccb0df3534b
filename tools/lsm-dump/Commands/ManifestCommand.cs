using AimLsm.Kv.Versions;
using AimLsm.Tools.LsmDump.Inspect;
using AimLsm.Tools.LsmDump.Output;

namespace AimLsm.Tools.LsmDump.Commands;

/// <summary><c>lsm-dump manifest FILE|DIR</c>: the version edits in order, then the levels they add up to.</summary>
internal static class ManifestCommand
{
    public const string Description = """
        Prints the version edits of a MANIFEST in order, each with its file offset: comparator, format version,
        log number, next file number, last sequence, deleted files and new files (level, number, size, smallest
        and largest internal key, sequence range); then the levels they add up to and the counters. Given a
        database directory, reads the MANIFEST that CURRENT names. Damage (a torn last edit, a checksum mismatch,
        an edit that does not decode or apply) is listed with its offset. Read-only; takes no lock.
        """;

    public static int Run(CommandContext ctx)
    {
        string path = ctx.Args.SinglePath("manifest", "FILE or DIR");
        if (Directory.Exists(path))
        {
            DbFiles.RequireDatabase("manifest", path);
            path = Path.Combine(path, DbFiles.ReadCurrent(path));
        }
        else
        {
            DbFiles.RequireFile("manifest", path);
            DbFiles.RequireKind("manifest", path, FileKind.Manifest);
        }
        ManifestReplay replay = ManifestReplay.Read(path);
        DumpWriter w = ctx.Out;
        w.Field("file", path);
        w.BeginList("edits");
        int problem = 0;
        foreach ((long offset, int length, VersionEdit edit) in replay.Edits)
        {
            while (problem < replay.Problems.Count && replay.Problems[problem].Offset < offset)
            {
                WalCommand.WriteProblem(w, replay.Problems[problem].Offset, replay.Problems[problem].Kind, replay.Problems[problem].Reason);
                problem++;
            }
            WriteEdit(ctx, offset, length, edit);
        }
        for (; problem < replay.Problems.Count; problem++)
        {
            WalCommand.WriteProblem(w, replay.Problems[problem].Offset, replay.Problems[problem].Kind, replay.Problems[problem].Reason);
        }
        w.EndList();
        WriteState(ctx, replay);
        WriteLevels(ctx, replay.Result);
        return 0;
    }

    private static void WriteEdit(CommandContext ctx, long offset, int length, VersionEdit edit)
    {
        DumpWriter w = ctx.Out;
        w.BeginItem("edit");
        w.Field("offset", offset);
        w.Field("length", (long)length);
        if (edit.Comparator is not null)
        {
            w.Field("comparator", edit.Comparator);
        }
        if (edit.DbFormatVersion is ulong fv)
        {
            w.Field("format_version", fv);
        }
        if (edit.LogNumber is ulong log)
        {
            w.Field("log_number", log);
        }
        if (edit.NextFileNumber is ulong next)
        {
            w.Field("next_file_number", next);
        }
        if (edit.LastSequence is ulong last)
        {
            w.Field("last_sequence", last);
        }
        w.BeginList("files");
        foreach ((int level, ulong number) in edit.DeletedFiles)
        {
            w.Item("delete_file", () =>
            {
                w.Field("level", (long)level);
                w.Field("number", number);
            });
        }
        foreach ((int level, FileMetadata f) in edit.NewFiles)
        {
            w.BeginItem("add_file");
            w.Field("level", (long)level);
            WriteFile(ctx, f);
            w.EndItem();
        }
        w.EndList();
        w.EndItem();
    }

    /// <summary>The fields of one table as the MANIFEST records it.</summary>
    public static void WriteFile(CommandContext ctx, FileMetadata f)
    {
        DumpWriter w = ctx.Out;
        w.Field("number", f.Number);
        w.Field("size", f.Size);
        ctx.InternalKeyFields("smallest", f.Smallest);
        ctx.InternalKeyFields("largest", f.Largest);
        w.Field("min_seq", f.SmallestSequence);
        w.Field("max_seq", f.LargestSequence);
    }

    private static void WriteState(CommandContext ctx, ManifestReplay replay)
    {
        DumpWriter w = ctx.Out;
        w.BeginObject("state");
        w.Field("comparator", replay.Comparator ?? "(none)");
        w.Field("format_version", replay.DbFormatVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)");
        w.Field("log_number", replay.LogNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)");
        w.Field("next_file_number", replay.NextFileNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)");
        w.Field("last_sequence", replay.LastSequence?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)");
        w.Field("edits", (long)replay.Edits.Count);
        w.Field("problems", (long)replay.Problems.Count);
        w.EndObject();
    }

    /// <summary>Per level: file count, bytes, and each file.</summary>
    public static void WriteLevels(CommandContext ctx, Kv.Versions.Version v)
    {
        DumpWriter w = ctx.Out;
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
                w.BeginItem("table");
                WriteFile(ctx, f);
                w.EndItem();
            }
            w.EndList();
            w.EndItem();
        }
        w.EndList();
    }
}
