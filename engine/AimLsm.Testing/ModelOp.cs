using System.Globalization;
using System.Text;

namespace AimLsm.Testing;

/// <summary>
/// One step of a model-test sequence. Every op prints as one line of text that <see cref="Parse"/> reads back, so a
/// failing sequence can be pasted into engine.tests/testdata/model/*.txt and replayed as a regression test.
/// Keys and values print as hex ("-" for empty, "~" for none).
/// </summary>
public abstract record ModelOp
{
    /// <summary>The text form of a key or value: lowercase hex, "-" for empty, "~" for null.</summary>
    public static string Hex(byte[]? b) => b is null ? "~" : b.Length == 0 ? "-" : Convert.ToHexString(b).ToLowerInvariant();

    /// <summary>Reads what <see cref="Hex"/> wrote.</summary>
    public static byte[]? Unhex(string s) => s == "~" ? null : s == "-" ? [] : Convert.FromHexString(s);

    /// <summary>Reads one op from its text form.</summary>
    /// <exception cref="FormatException">The line is no op; the message quotes it.</exception>
    public static ModelOp Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        try
        {
            return ParseOne(line);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or OverflowException or (FormatException and not ModelFormatException))
        {
            throw new ModelFormatException($"not a model op ({e.Message}): {line}", e);
        }
    }

    private static ModelOp ParseOne(string line)
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
            _ => throw new ModelFormatException($"unknown model op '{t[0]}' in: {line}"),
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

    /// <summary>The text form of a snapshot reference: "latest" or "sN".</summary>
    protected static string Snap(int s) => s < 0 ? "latest" : "s" + s.ToString(CultureInfo.InvariantCulture);

    /// <summary>The text form of a write mode: nothing for plain, else " sync" or " nowal".</summary>
    protected static string ModeText(WriteMode m) => m == WriteMode.Plain ? "" : " " + m.ToString().ToLowerInvariant();
}

/// <summary>How a write op reaches the engine.</summary>
public enum WriteMode
{
    /// <summary>Through the WAL, not synced.</summary>
    Plain,

    /// <summary>Through the WAL, synced before the write returns (<c>WriteOptions.Sync</c>).</summary>
    Sync,

    /// <summary>Past the WAL (<c>WriteOptions.DisableWal</c>): in memory until a flush.</summary>
    NoWal,
}

/// <summary>Put <paramref name="Value"/> at <paramref name="Key"/>.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
/// <param name="Mode">How the write reaches the engine.</param>
public sealed record PutOp(byte[] Key, byte[] Value, WriteMode Mode = WriteMode.Plain) : ModelOp
{
    /// <inheritdoc/>
    public override string ToString() => $"put {Hex(Key)} {Hex(Value)}{ModeText(Mode)}";
}

/// <summary>Delete <paramref name="Key"/>.</summary>
/// <param name="Key">The key.</param>
/// <param name="Mode">How the write reaches the engine.</param>
public sealed record DeleteOp(byte[] Key, WriteMode Mode = WriteMode.Plain) : ModelOp
{
    /// <inheritdoc/>
    public override string ToString() => $"del {Hex(Key)}{ModeText(Mode)}";
}

/// <summary>Delete every key in [<paramref name="Begin"/>, <paramref name="End"/>).</summary>
/// <param name="Begin">The first key deleted.</param>
/// <param name="End">The first key past the range.</param>
/// <param name="Mode">How the write reaches the engine.</param>
public sealed record DeleteRangeOp(byte[] Begin, byte[] End, WriteMode Mode = WriteMode.Plain) : ModelOp
{
    /// <inheritdoc/>
    public override string ToString() => $"delrange {Hex(Begin)} {Hex(End)}{ModeText(Mode)}";
}

/// <summary>Puts, deletes and range deletes written as one atomic batch.</summary>
/// <param name="Ops">The batch's items (their own modes are ignored).</param>
/// <param name="Mode">How the batch reaches the engine.</param>
public sealed record BatchOp(ModelOp[] Ops, WriteMode Mode = WriteMode.Plain) : ModelOp
{
    /// <inheritdoc/>
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
/// <param name="Key">The key.</param>
/// <param name="Snapshot">-1 for the latest state, else a snapshot index (modulo the number held).</param>
public sealed record GetOp(byte[] Key, int Snapshot) : ModelOp
{
    /// <inheritdoc/>
    public override string ToString() => $"get {Hex(Key)} {Snap(Snapshot)}";
}

/// <summary>Take a snapshot; the model keeps a copy of the state to read it against.</summary>
public sealed record SnapshotOp : ModelOp
{
    /// <inheritdoc/>
    public override string ToString() => "snap";
}

/// <summary>Release the snapshot with this index (modulo the number held; a no-op when none is held).</summary>
/// <param name="Index">The snapshot index.</param>
public sealed record ReleaseOp(int Index) : ModelOp
{
    /// <inheritdoc/>
    public override string ToString() => $"release {Index}";
}

/// <summary>
/// An iterator walk: positioning (first, last, seek, seekforprev) with a target, then steps: N (next) or P (prev),
/// compared with the model at every step. Bounds: "~" for none.
/// </summary>
/// <param name="Snapshot">-1 for the latest state, else a snapshot index.</param>
/// <param name="Lower">The inclusive lower bound, or null.</param>
/// <param name="Upper">The exclusive upper bound, or null.</param>
/// <param name="Position">first, last, seek or seekforprev.</param>
/// <param name="Target">The seek target (null for first and last).</param>
/// <param name="Steps">N (next) and P (prev), in order.</param>
public sealed record IterOp(int Snapshot, byte[]? Lower, byte[]? Upper, string Position, byte[]? Target, string Steps) : ModelOp
{
    /// <inheritdoc/>
    public override string ToString() => $"iter {Snap(Snapshot)} {Hex(Lower)} {Hex(Upper)} {Position} {Hex(Target)} {Steps}".TrimEnd();
}

/// <summary>Flush the memtable to a table.</summary>
public sealed record FlushOp : ModelOp
{
    /// <inheritdoc/>
    public override string ToString() => "flush";
}

/// <summary>Close the database (releasing every snapshot) and open it again: recovery.</summary>
public sealed record ReopenOp : ModelOp
{
    /// <inheritdoc/>
    public override string ToString() => "reopen";
}
