using System.Globalization;

namespace AimLsm.Testing;

/// <summary>
/// The expected-state log a crash child writes and the harness reads (RocksDB's expected-state oracle, in its
/// simplest form): one line per event, <c>pending &lt;id&gt; &lt;text&gt;</c> before a step and <c>ack &lt;id&gt;</c>
/// after it returned. Steps run one at a time, so at most the last one is pending when the child dies; a torn last
/// line (no newline yet) never happened.
/// </summary>
/// <param name="Acknowledged">The steps that returned, in order.</param>
/// <param name="Pending">The step that started and never returned, if any: it may or may not have taken effect.</param>
/// <param name="NextId">The id the next child starts from.</param>
public sealed record CrashLog(IReadOnlyList<CrashRecord> Acknowledged, CrashRecord? Pending, long NextId)
{
    /// <summary>The word that starts a step's line.</summary>
    public const string PendingWord = "pending";

    /// <summary>The word that acknowledges a step.</summary>
    public const string AckWord = "ack";

    /// <summary>Reads the log at <paramref name="path"/> (none yet: nothing happened) of a child that started at id <paramref name="firstId"/>.</summary>
    /// <exception cref="ExpectedStateException">The log is out of order: an ack without its pending line, or ids not consecutive; the message quotes the line.</exception>
    public static CrashLog Read(string path, long firstId)
    {
        ArgumentNullException.ThrowIfNull(path);
        var acked = new List<CrashRecord>();
        CrashRecord? pending = null;
        long next = firstId;
        if (!File.Exists(path))
        {
            return new CrashLog(acked, null, next);
        }
        string text = File.ReadAllText(path);
        int end = text.LastIndexOf('\n');
        string[] lines = (end < 0 ? "" : text[..end]).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length == 0)
            {
                continue;
            }
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            int space2 = space < 0 ? -1 : line.IndexOf(' ', space + 1);
            string word = space < 0 ? line : line[..space];
            string idText = space < 0 ? "" : space2 < 0 ? line[(space + 1)..] : line[(space + 1)..space2];
            if (!long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out long id))
            {
                throw new ExpectedStateException($"{path}, line {i + 1}: no step id in '{line}'");
            }
            if (word == PendingWord && pending is null && id == next)
            {
                pending = new CrashRecord(id, space2 < 0 ? "" : line[(space2 + 1)..]);
            }
            else if (word == AckWord && pending is not null && pending.Id == id)
            {
                acked.Add(pending);
                pending = null;
                next = id + 1;
            }
            else
            {
                throw new ExpectedStateException($"{path}, line {i + 1}: out of order at '{line}' (expected {(pending is null ? $"pending {next}" : $"ack {pending.Id}")})");
            }
        }
        return new CrashLog(acked, pending, pending is null ? next : pending.Id + 1);
    }
}
