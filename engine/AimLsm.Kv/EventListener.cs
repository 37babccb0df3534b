namespace AimLsm.Kv;

/// <summary>
/// Receives notice of what the engine did in the background. Override what you need. Callbacks run on engine
/// threads: keep them short and do not call back into the database from them.
/// </summary>
public abstract class EventListener
{
    /// <summary>A memtable was written to a new L0 table.</summary>
    public virtual void OnFlushCompleted(FlushInfo info)
    {
    }

    /// <summary>A background or write failure put the database into its read-only error state.</summary>
    public virtual void OnBackgroundError(Exception error)
    {
    }

    /// <summary>Recovery found damage in a WAL; the report says what it replayed and what it dropped.</summary>
    public virtual void OnWalRecovery(WalRecoveryReport report)
    {
    }
}

/// <summary>What a flush produced.</summary>
/// <param name="FileNumber">The new table's number (its name is <c>NNNNNN.sst</c>).</param>
/// <param name="FileSize">Its size in bytes.</param>
/// <param name="Entries">Point entries written.</param>
/// <param name="Duration">Wall time of the flush.</param>
public sealed record FlushInfo(ulong FileNumber, long FileSize, ulong Entries, TimeSpan Duration);

/// <summary>One piece of damage found in a WAL during recovery.</summary>
/// <param name="File">The WAL file.</param>
/// <param name="Offset">Where the damage starts.</param>
/// <param name="BytesDropped">How many bytes were skipped there.</param>
/// <param name="Reason">What was wrong.</param>
public sealed record WalProblem(string File, long Offset, long BytesDropped, string Reason);

/// <summary>What WAL recovery replayed and what it dropped.</summary>
public sealed class WalRecoveryReport
{
    /// <summary>WAL files read.</summary>
    public int LogsReplayed { get; internal set; }

    /// <summary>Write batches replayed.</summary>
    public long BatchesReplayed { get; internal set; }

    /// <summary>Damage found, in the order met.</summary>
    public IReadOnlyList<WalProblem> Problems => ProblemList;

    internal List<WalProblem> ProblemList { get; } = [];

    /// <summary>True when replay stopped early (point-in-time recovery) and later records were dropped.</summary>
    public bool StoppedEarly { get; internal set; }

    /// <summary>WAL files not read at all because replay stopped before them.</summary>
    public IReadOnlyList<string> SkippedLogs => SkippedLogList;

    internal List<string> SkippedLogList { get; } = [];

    /// <summary>WAL files in which recovery met damage other than a torn tail (whether it then stopped, skipped the
    /// damage, or found nothing after it).</summary>
    public IReadOnlyList<string> DamagedLogs => DamagedLogList;

    internal List<string> DamagedLogList { get; } = [];

    /// <summary>
    /// Where a writable open moved the WALs whose records it dropped (damaged or skipped): <c>NNNNNN.log.damaged</c>
    /// beside the database's files. The engine never reads or deletes them; delete them once inspected.
    /// </summary>
    public IReadOnlyList<string> KeptLogs => KeptLogList;

    internal List<string> KeptLogList { get; } = [];

    /// <summary>True when recovery found nothing wrong (a torn tail after the last sync is normal after a crash, but
    /// it is reported, so it makes this false).</summary>
    public bool IsClean => ProblemList.Count == 0 && !StoppedEarly;

    /// <summary>One line per finding, for logs: what was replayed, each damage with file and offset, what was
    /// dropped and where damaged logs were kept.</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder();
        text.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"WAL recovery replayed {BatchesReplayed} batch(es) from {LogsReplayed} log(s)");
        text.Append(StoppedEarly ? "; stopped early at damage (point-in-time): later records dropped" : "");
        foreach (WalProblem p in ProblemList)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\n  {p.File} at offset {p.Offset}: {p.Reason} ({p.BytesDropped} bytes)");
        }
        foreach (string skipped in SkippedLogList)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\n  {skipped}: not replayed (after the damage)");
        }
        foreach (string kept in KeptLogList)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\n  kept for inspection as {kept}");
        }
        return text.ToString();
    }
}
