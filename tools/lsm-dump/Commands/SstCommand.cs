using AimLsm.Kv;
using System.Buffers;
using AimLsm.Kv.IO;
using AimLsm.Kv.Keys;
using AimLsm.Kv.RangeDel;
using AimLsm.Kv.Sst;
using AimLsm.Kv.Versions;
using AimLsm.Tools.LsmDump.Inspect;
using AimLsm.Tools.LsmDump.Output;

namespace AimLsm.Tools.LsmDump.Commands;

/// <summary><c>lsm-dump sst FILE</c>: a table's properties, index, range tombstones, and on request its blocks and entries.</summary>
internal static class SstCommand
{
    public const string Description = """
        Prints an SSTable (NNNNNN.sst): its properties (format version, entries, deletions, raw key and value
        sizes, data size on disk and before compression, compression ratio, key range, sequence range, index and
        filter sizes, creation time), its index (one row per data block: separator key and block handle) and its
        range tombstones. Opening checks the footer, index, metaindex, properties, range-del and filter blocks.
        Read-only: the table is never modified.
        """;

    public static int Run(CommandContext ctx)
    {
        string path = ctx.Args.SinglePath("sst", "FILE");
        DbFiles.RequireFile("sst", path);
        DbFiles.RequireKind("sst", path, FileKind.Table);
        byte[]? from = ctx.KeyOption("sst", "--from");
        byte[]? to = ctx.KeyOption("sst", "--to");
        bool keys = ctx.Args.Has("--keys") || from is not null || to is not null;
        FileNames.Parse(Path.GetFileName(path), out ulong number);
        using TableReader table = OpenTable(path, number);
        using IReadableFile raw = DbFiles.Fs.OpenRead(path);
        DumpWriter w = ctx.Out;
        w.Field("file", path);
        WriteProperties(ctx, table, raw);
        WriteIndex(ctx, table);
        WriteTombstones(ctx, table);
        if (ctx.Args.Has("--blocks"))
        {
            WriteBlocks(ctx, table, raw);
        }
        if (keys)
        {
            WriteEntries(ctx, table, from, to);
        }
        return 0;
    }

    /// <summary>Opens a table with no block cache and default options (a reader handles whatever the table holds).</summary>
    public static TableReader OpenTable(string path, ulong number) =>
        TableReader.Open(DbFiles.Fs.OpenRead(path), number, new TableOptions(4096, 16, Compression.None, 0, null));

    private static void WriteProperties(CommandContext ctx, TableReader table, IReadableFile raw)
    {
        DumpWriter w = ctx.Out;
        TableProperties p = table.Properties;
        w.BeginObject("properties");
        w.Field("file_size", table.FileSize);
        w.Field("format_version", (ulong)table.FormatVersion);
        w.Field("entries", p.Entries);
        w.Field("deletions", p.Deletions);
        w.Field("range_deletions", p.RangeDeletions);
        w.Field("raw_key_size", p.RawKeySize);
        w.Field("raw_value_size", p.RawValueSize);
        w.Field("data_blocks", p.DataBlocks);
        w.Field("data_size", p.DataSize);
        w.Field("data_uncompressed_size", p.DataUncompressedSize);
        if (p.DataUncompressedSize > 0 && p.DataSize > 0)
        {
            w.Field("compression_ratio", (double)p.DataUncompressedSize / p.DataSize);
        }
        w.Field("index_size", p.IndexSize);
        w.Field("filter_size", p.FilterSize);
        w.Field("has_filter", table.HasFilter);
        w.Field("min_seq", p.SmallestSequence);
        w.Field("max_seq", p.LargestSequence);
        w.Field("creation_time", p.CreationTime);
        if (FirstAndLastKey(table, out byte[]? first, out byte[]? last))
        {
            ctx.InternalKeyFields("smallest_key", first);
            ctx.InternalKeyFields("largest_key", last);
        }
        _ = raw;
        w.EndObject();
    }

    /// <summary>The first key of the first data block and the last key of the last one.</summary>
    private static bool FirstAndLastKey(TableReader table, out byte[] first, out byte[] last)
    {
        first = last = [];
        BlockIterator index = table.NewIndexIterator();
        index.SeekToFirst();
        if (!index.Valid)
        {
            return false;
        }
        first = ReadBlockKey(table, TableReader.DecodeIndexValue(index, table.Path, table.IndexOffset), firstKey: true);
        index.SeekToLast();
        last = ReadBlockKey(table, TableReader.DecodeIndexValue(index, table.Path, table.IndexOffset), firstKey: false);
        return true;
    }

    private static byte[] ReadBlockKey(TableReader table, BlockHandle handle, bool firstKey)
    {
        byte[] raw = [], decoded = [];
        try
        {
            byte[] data = table.ReadDataBlock(handle, ref raw, ref decoded, out int length);
            var it = new BlockIterator(internalKeys: true);
            it.Reset(data, 0, length, table.Path, (long)handle.Offset);
            if (firstKey)
            {
                it.SeekToFirst();
            }
            else
            {
                it.SeekToLast();
            }
            return it.Valid ? it.Key.ToArray() : [];
        }
        finally
        {
            Return(raw);
            Return(decoded);
        }
    }

    private static void Return(byte[] buffer)
    {
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void WriteIndex(CommandContext ctx, TableReader table)
    {
        DumpWriter w = ctx.Out;
        w.BeginList("index");
        BlockIterator index = table.NewIndexIterator();
        for (index.SeekToFirst(); index.Valid; index.Next())
        {
            BlockHandle h = TableReader.DecodeIndexValue(index, table.Path, table.IndexOffset);
            w.BeginItem("block");
            w.Field("offset", h.Offset);
            w.Field("size", h.Size);
            ctx.InternalKeyFields("separator", index.Key);
            w.EndItem();
        }
        w.EndList();
    }

    private static void WriteTombstones(CommandContext ctx, TableReader table)
    {
        DumpWriter w = ctx.Out;
        w.BeginList("range_tombstones");
        foreach (RangeTombstone t in table.RawTombstones)
        {
            w.BeginItem("delete_range");
            w.Field("seq", t.Sequence);
            w.Bytes("begin", t.Start, ByteRole.Key);
            w.Bytes("end", t.End, ByteRole.Key);
            w.EndItem();
        }
        w.EndList();
    }

    private static void WriteBlocks(CommandContext ctx, TableReader table, IReadableFile file)
    {
        DumpWriter w = ctx.Out;
        w.BeginList("blocks");
        BlockIterator index = table.NewIndexIterator();
        var it = new BlockIterator(internalKeys: true);
        byte[] raw = [], decoded = [];
        Span<byte> type = stackalloc byte[1];
        try
        {
            for (index.SeekToFirst(); index.Valid; index.Next())
            {
                BlockHandle h = TableReader.DecodeIndexValue(index, table.Path, table.IndexOffset);
                byte[] data = table.ReadDataBlock(h, ref raw, ref decoded, out int length);
                file.Read((long)(h.Offset + h.Size), type);
                it.Reset(data, 0, length, table.Path, (long)h.Offset);
                int entries = 0;
                byte[]? first = null, last = null;
                for (it.SeekToFirst(); it.Valid; it.Next())
                {
                    entries++;
                    first ??= it.Key.ToArray();
                    last = it.Key.ToArray();
                }
                w.BeginItem("block");
                w.Field("offset", h.Offset);
                w.Field("size", h.Size);
                w.Field("compression", Enum.IsDefined((CompressionType)type[0]) ? ((CompressionType)type[0]).ToString().ToLowerInvariant() : "type" + type[0]);
                w.Field("uncompressed", (long)length);
                w.Field("entries", (long)entries);
                if (first is not null)
                {
                    ctx.InternalKeyFields("first", first);
                    ctx.InternalKeyFields("last", last!);
                }
                w.EndItem();
            }
        }
        finally
        {
            Return(raw);
            Return(decoded);
        }
        w.EndList();
    }

    private static void WriteEntries(CommandContext ctx, TableReader table, byte[]? from, byte[]? to)
    {
        DumpWriter w = ctx.Out;
        w.BeginList("entries");
        BlockIterator index = table.NewIndexIterator();
        var it = new BlockIterator(internalKeys: true);
        byte[] raw = [], decoded = [];
        try
        {
            for (index.SeekToFirst(); index.Valid; index.Next())
            {
                // The separator is >= every key of its block: a block whose separator is below --from holds nothing wanted.
                if (from is not null && InternalKey.UserKey(index.Key).SequenceCompareTo(from) < 0)
                {
                    continue;
                }
                BlockHandle h = TableReader.DecodeIndexValue(index, table.Path, table.IndexOffset);
                byte[] data = table.ReadDataBlock(h, ref raw, ref decoded, out int length);
                it.Reset(data, 0, length, table.Path, (long)h.Offset);
                for (it.SeekToFirst(); it.Valid; it.Next())
                {
                    ReadOnlySpan<byte> user = InternalKey.UserKey(it.Key);
                    if (from is not null && user.SequenceCompareTo(from) < 0)
                    {
                        continue;
                    }
                    if (to is not null && user.SequenceCompareTo(to) >= 0)
                    {
                        w.EndList();
                        return;
                    }
                    EntryType type = InternalKey.Type(it.Key);
                    w.BeginItem(CommandContext.TypeName(type));
                    w.Bytes("key", user, ByteRole.Key);
                    w.Field("seq", InternalKey.Sequence(it.Key));
                    if (type == EntryType.Value)
                    {
                        w.Bytes("value", it.Value, ByteRole.Value);
                    }
                    w.EndItem();
                }
            }
        }
        finally
        {
            Return(raw);
            Return(decoded);
        }
        w.EndList();
    }
}
