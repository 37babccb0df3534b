using AimLsm.Kv;
using AimLsm.Tools.LsmDump.Inspect;
using AimLsm.Tools.LsmDump.Output;

namespace AimLsm.Tools.LsmDump.Commands;

/// <summary><c>lsm-dump scan DIR</c>: the database's live keys and values, through the engine's own read path.</summary>
internal static class ScanCommand
{
    public const string Description = """
        Prints the live keys and values, newest version of each, tombstones applied: what Db.NewIterator sees.
        How: through the engine's read-only open (Db.OpenReadOnly): no LOCK, nothing written, so the database
        may be open in another process; the scan sees the state as of the open, WAL writes included.
        """;

    public static int Run(CommandContext ctx)
    {
        string dir = ctx.Args.SinglePath("scan", "DIR");
        DbFiles.RequireDatabase("scan", dir);
        byte[]? prefix = ctx.KeyOption("scan", "--prefix");
        byte[]? from = ctx.KeyOption("scan", "--from");
        byte[]? to = ctx.KeyOption("scan", "--to");
        long limit = ctx.Args.Integer("scan", "--limit") ?? long.MaxValue;
        if (prefix is not null)
        {
            from = Max(from, prefix);
            byte[]? end = Successor(prefix);
            to = to is null ? end : end is null ? to : Min(to, end);
        }
        ctx.Progress.Report("scan: opening the database read-only");
        using var db = Db.OpenReadOnly(dir, new DbOptions { BlockCacheSize = 8 << 20 });
        using var it = db.NewIterator(new ReadOptions { LowerBound = from, UpperBound = to });
        DumpWriter w = ctx.Out;
        w.BeginList("entries");
        long n = 0;
        for (it.SeekToFirst(); it.Valid && n < limit; it.Next())
        {
            n++;
            w.BeginItem("put");
            w.Bytes("key", it.Key, ByteRole.Key);
            w.Bytes("value", it.Value, ByteRole.Value);
            w.EndItem();
            if ((n & 1023) == 0)
            {
                ctx.Progress.Report($"scan: {n:N0} keys");
            }
        }
        w.EndList();
        ctx.Progress.Clear();
        w.Field("count", n);
        return 0;
    }

    private static byte[] Max(byte[]? a, byte[] b) => a is null || a.AsSpan().SequenceCompareTo(b) < 0 ? b : a;

    private static byte[] Min(byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b) <= 0 ? a : b;

    /// <summary>The smallest key greater than every key with this prefix, or null when there is none (all 0xff).</summary>
    private static byte[]? Successor(byte[] prefix)
    {
        for (int i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] != 0xff)
            {
                byte[] s = prefix[..(i + 1)];
                s[i]++;
                return s;
            }
        }
        return null;
    }
}
