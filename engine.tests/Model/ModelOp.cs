using System.Globalization;
using System.Text;

namespace AimLsm.Tests.Model;

/// <summary>
/// One step of a model-test sequence. Every op prints as one line of text that <see cref="Parse"/> reads back, so a
/// failing sequence can be pasted into engine.tests/testdata/model/*.txt and replayed as a regression test.
/// Keys and values print as hex ("-" for empty).
/// </summary>
public abstract record ModelOp
{
    public static string Hex(byte[]? b) => b is null ? "~" : b.Length == 0 ? "-" : Convert.ToHexString(b).ToLowerInvariant();

    public static byte[]? Unhex(string s) => s == "~" ? null : s == "-" ? [] : Convert.FromHexString(s);

    public static ModelOp Parse(string line)
    {
        string[] t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return t[0] switch
        {
            "put" => new PutOp(Unhex(t[1])!, Unhex(t[2])!, ParseWrite(t, 3)),
            "del" => new DeleteOp(Unhex(t[1])!, ParseWrite(t, 2)),
            "delrange" => new DeleteRangeOp(Unhex(t[1])!, Unhex(t[2])!, ParseWrite(t, 3)),
            "batch" => ParseBatch(line),
            "get" => new GetOp(Unhex(t[1])!, ParseSnap(t[2])),
            "snap" => new SnapshotOp(),
            "release" => new ReleaseOp(int.Parse(t[1], CultureInfo.InvariantCulture)),
            "iter" => new IterOp(ParseSnap(t[1]), Unhex(t[2]), Unhex(t[3]), t[4], Unhex(t[5]), t.Length > 6 ? t[6] : ""),
            "flush" => new FlushOp(),
            "reopen" => new ReopenOp(),
            _ => throw new FormatException($"unknown model op '{t[0]}' in: {line}"),
        };
    }

    private static WriteMode ParseWrite(string[] t, int i) => i < t.Length ? Enum.Parse<WriteMode>(t[i], ignoreCase: true) : WriteMode.Plain;

    private static int ParseSnap(string s) => s == "latest" ? -1 : int.Parse(s.TrimStart('s'), CultureInfo.InvariantCulture);

    private static BatchOp ParseBatch(string line)
    {
        // batch [sync|nowal] : put k v ; del k ; delrange a b
        string body = line["batch".Length..];
        int colon = body.IndexOf(':', StringComparison.Ordinal);
        string head = body[..colon].Trim();
        var mode = head.Length == 0 ? WriteMode.Plain : Enum.Parse<WriteMode>(head, ignoreCase: true);
        var ops = new List<ModelOp>();
        foreach (string part in body[(colon + 1)..].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            ops.Add(Parse(part));
        }
        return new BatchOp([.. ops], mode);
    }

    protected static string Snap(int s) => s < 0 ? "latest" : "s" + s.ToString(CultureInfo.InvariantCulture);

    protected static string ModeText(WriteMode m) => m == WriteMode.Plain ? "" : " " + m.ToString().ToLowerInvariant();
}

public enum WriteMode
{
    Plain,
    Sync,
    NoWal,
}

public sealed record PutOp(byte[] Key, byte[] Value, WriteMode Mode = WriteMode.Plain) : ModelOp
{
    public override string ToString() => $"put {Hex(Key)} {Hex(Value)}{ModeText(Mode)}";
}

public sealed record DeleteOp(byte[] Key, WriteMode Mode = WriteMode.Plain) : ModelOp
{
    public override string ToString() => $"del {Hex(Key)}{ModeText(Mode)}";
}

public sealed record DeleteRangeOp(byte[] Begin, byte[] End, WriteMode Mode = WriteMode.Plain) : ModelOp
{
    public override string ToString() => $"delrange {Hex(Begin)} {Hex(End)}{ModeText(Mode)}";
}

public sealed record BatchOp(ModelOp[] Ops, WriteMode Mode = WriteMode.Plain) : ModelOp
{
    public override string ToString()
    {
        var sb = new StringBuilder("batch");
        sb.Append(ModeText(Mode)).Append(" :");
        foreach (ModelOp op in Ops)
        {
            sb.Append(' ').Append(op).Append(" ;");
        }
        return sb.ToString();
    }
}

/// <summary>Get a key from the latest state (Snapshot = -1) or from the snapshot with that index.</summary>
public sealed record GetOp(byte[] Key, int Snapshot) : ModelOp
{
    public override string ToString() => $"get {Hex(Key)} {Snap(Snapshot)}";
}

public sealed record SnapshotOp : ModelOp
{
    public override string ToString() => "snap";
}

/// <summary>Release the snapshot with this index (modulo the number held; a no-op when none is held).</summary>
public sealed record ReleaseOp(int Index) : ModelOp
{
    public override string ToString() => $"release {Index}";
}

/// <summary>
/// An iterator walk: positioning (first, last, seek, seekforprev) with a target, then steps: N (next) or P (prev),
/// compared with the model at every step. Bounds: "~" for none.
/// </summary>
public sealed record IterOp(int Snapshot, byte[]? Lower, byte[]? Upper, string Position, byte[]? Target, string Steps) : ModelOp
{
    public override string ToString() => $"iter {Snap(Snapshot)} {Hex(Lower)} {Hex(Upper)} {Position} {Hex(Target)} {Steps}".TrimEnd();
}

public sealed record FlushOp : ModelOp
{
    public override string ToString() => "flush";
}

public sealed record ReopenOp : ModelOp
{
    public override string ToString() => "reopen";
}
