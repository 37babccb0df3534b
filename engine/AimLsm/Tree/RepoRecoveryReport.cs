using System.Text;
using AimLsm.Kv;

namespace AimLsm.Tree;

/// <summary>
/// What opening a repo's writer slots found in their write-ahead logs (docs/aim-repo.md, "A damaged WAL"): damage
/// recovered from, and slots quarantined because their damage lies in writes that had been acknowledged durable.
/// <see cref="Repo.RecoveryReport"/> holds it; the repo also logs each finding as it is met (slots open at
/// <see cref="Repo.Open"/>, <see cref="Repo.OpenReadOnly"/> and again after <see cref="Repo.Refresh"/>).
/// Immutable: a later finding makes a new report.
/// </summary>
public sealed class RepoRecoveryReport
{
    internal RepoRecoveryReport(IReadOnlyList<SlotRecoveryReport> slots) => Slots = slots;

    /// <summary>The slots with something to report, in slot order. Empty when every WAL was whole.</summary>
    public IReadOnlyList<SlotRecoveryReport> Slots { get; }

    /// <summary>True when no slot reported anything.</summary>
    public bool IsClean => Slots.Count == 0;

    /// <summary>True when some slot is quarantined: its runs are not served.</summary>
    public bool HasQuarantine => Slots.Any(s => s.Quarantine is not null);

    /// <summary>Every finding, a few lines per slot, for a log or a console.</summary>
    public override string ToString()
    {
        if (IsClean)
        {
            return "repo recovery: every writer slot's WAL was whole";
        }

        var text = new StringBuilder();
        foreach (SlotRecoveryReport slot in Slots)
        {
            text.Append(text.Length > 0 ? "\n" : "").Append(slot);
        }

        return text.ToString();
    }
}

/// <summary>One writer slot's finding: either the damage its engine recovered from, or the damage it refused (the
/// slot is then quarantined).</summary>
public sealed class SlotRecoveryReport
{
    internal SlotRecoveryReport(string slot, string directory, WalRecoveryReport? wal, CorruptionException? quarantine, IReadOnlyList<string> runs)
    {
        Slot = slot;
        Directory = directory;
        Wal = wal;
        Quarantine = quarantine;
        Runs = runs;
    }

    /// <summary>The slot's name (<c>slots/NNNN</c>).</summary>
    public string Slot { get; }

    /// <summary>The slot's engine directory.</summary>
    public string Directory { get; }

    /// <summary>What WAL recovery replayed and dropped, when the slot opened despite damage; else null.</summary>
    public WalRecoveryReport? Wal { get; }

    /// <summary>Why the slot's engine refused to open (the damaged file and offset), or null. While set, the slot's
    /// runs throw a <see cref="CorruptionException"/>, queries skip them and no writer takes the slot over.</summary>
    public CorruptionException? Quarantine { get; }

    /// <summary>The hashes of the runs the slot holds, as far as they could be listed: what the finding affects.</summary>
    public IReadOnlyList<string> Runs { get; }

    /// <summary>The finding and what to do about it, for a log.</summary>
    public override string ToString()
    {
        string runs = Runs.Count == 0 ? "no runs listed" : $"{Runs.Count} run(s): {string.Join(", ", Runs.Take(5))}{(Runs.Count > 5 ? ", ..." : "")}";
        if (Quarantine is { } q)
        {
            return $"writer slot '{Slot}' QUARANTINED ({runs}): {q.Message}";
        }

        return $"writer slot '{Slot}' recovered with damage ({runs}): {Wal}";
    }
}
