using AimLsm.Kv.IO;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Versions;
using AimLsm.Kv.Wal;
using AimLsm.Tools.LsmDump.Inspect;
using AimLsm.Tools.LsmDump.Output;

namespace AimLsm.Tools.LsmDump.Commands;

/// <summary><c>lsm-dump wal FILE</c>: every record of a WAL with its fragments, and the write batch it holds.</summary>
internal static class WalCommand
{
    public const string Description = """
        Prints every record of a write-ahead log (NNNNNN.log): its file offset, payload length and fragments
        (offset, length, type FULL/FIRST/MIDDLE/LAST), then the write batch it holds: sequence number, count and
        each operation (put, delete, delete_range) with its decoded key and value. Damage (a torn tail, a checksum
        mismatch, zeroed space, a batch that does not decode) is listed in place with its offset; the rest of the
        file is still read, as the engine's log reader does. Values over 64 bytes are cut unless --full is given.
        Read-only; works while another process writes the log (a record being appended may show as a torn tail).
        """;

    public static int Run(CommandContext ctx)
    {
        string path = ctx.Args.SinglePath("wal", "FILE");
        DbFiles.RequireFile("wal", path);
        DbFiles.RequireKind("wal", path, FileKind.Wal);
        DumpWriter w = ctx.Out;
        using IReadableFile file = DbFiles.Fs.OpenRead(path);
        using IReadableFile raw = DbFiles.Fs.OpenRead(path);
        var pending = new List<LogProblem>();
        var reader = new LogReader(file, pending.Add);
        int records = 0, problems = 0, ops = 0;
        w.Field("file", path);
        w.Field("size", file.Length);
        w.BeginList("records");
        while (true)
        {
            bool more = reader.ReadRecord(out ReadOnlySpan<byte> record);
            problems += pending.Count;
            foreach (LogProblem p in pending)
            {
                WriteProblem(w, p.Offset, p.Kind.ToString(), p.Reason, p.BytesDropped);
            }
            pending.Clear();
            if (!more)
            {
                break;
            }
            records++;
            long offset = reader.LastRecordOffset;
            w.BeginItem("record");
            w.Field("offset", offset);
            w.Field("length", (long)record.Length);
            List<(long Offset, int Length, byte Type)> fragments = LogFragments.Of(raw, offset);
            if (fragments.Count == 1)
            {
                w.Field("type", LogFragments.TypeName(fragments[0].Type));
            }
            else
            {
                w.Field("type", "fragmented");
            }
            if (WalSyncPoint.IsMetadata(record))
            {
                if (WalSyncPoint.TryRead(record, out long synced))
                {
                    w.Field("sync_point", synced);
                }
                else
                {
                    w.Field("error", $"a WAL metadata record of {record.Length} bytes (kind {record[8]}) this build does not know");
                    problems++;
                }
                w.EndItem();
                continue;
            }
            var batch = new BatchReader(record);
            if (!batch.HeaderValid)
            {
                w.Field("error", $"a write batch is at least 12 bytes; this record has {record.Length}");
                problems++;
            }
            else
            {
                w.Field("sequence", batch.Sequence);
                w.Field("count", (long)batch.Count);
            }
            w.BeginList("parts");
            if (fragments.Count > 1)
            {
                foreach ((long fo, int fl, byte ft) in fragments)
                {
                    w.Item("fragment", () =>
                    {
                        w.Field("offset", fo);
                        w.Field("length", (long)fl);
                        w.Field("type", LogFragments.TypeName(ft));
                    });
                }
            }
            if (batch.HeaderValid)
            {
                ulong seq = batch.Sequence;
                try
                {
                    while (batch.Next(out EntryType type, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value))
                    {
                        ops++;
                        w.BeginItem(CommandContext.TypeName(type));
                        w.Field("seq", seq++);
                        if (type == EntryType.RangeDeletion)
                        {
                            w.Bytes("begin", key, ByteRole.Key);
                            w.Bytes("end", value, ByteRole.Key);
                        }
                        else
                        {
                            w.Bytes("key", key, ByteRole.Key);
                            if (type == EntryType.Value)
                            {
                                w.Bytes("value", value, ByteRole.Value);
                            }
                        }
                        w.EndItem();
                    }
                }
                catch (FormatException e)
                {
                    problems++;
                    w.Item("bad_batch", () => w.Field("reason", e.Message));
                }
            }
            w.EndList();
            w.EndItem();
        }
        w.EndList();
        w.BeginObject("summary");
        w.Field("records", (long)records);
        w.Field("operations", (long)ops);
        w.Field("problems", (long)problems);
        w.Field("valid_prefix_end", reader.EndOfLastRecord);
        w.EndObject();
        return 0;
    }

    internal static void WriteProblem(DumpWriter w, long offset, string kind, string reason, long dropped = -1)
    {
        w.BeginItem("problem");
        w.Field("offset", offset);
        w.Field("problem", kind);
        if (dropped >= 0)
        {
            w.Field("dropped", dropped);
        }
        w.Field("reason", reason);
        w.EndItem();
    }
}
