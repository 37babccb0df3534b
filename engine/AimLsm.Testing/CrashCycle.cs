namespace AimLsm.Testing;

/// <summary>What the verifier of one <see cref="CrashHarness"/> cycle gets, after the child was killed.</summary>
/// <param name="Index">The cycle, from 0.</param>
/// <param name="Directory">The folder the children write under; reopen the storage there.</param>
/// <param name="ChildSeed">The killed child's seed.</param>
/// <param name="History">Every step that must have survived, oldest first: all acknowledged steps of all cycles so
/// far (this one's included), plus each earlier pending step the verifier found applied.</param>
/// <param name="Acknowledged">The steps this cycle's child acknowledged (the tail of <paramref name="History"/>).</param>
/// <param name="Pending">The step that was running at the kill, if any: it may be applied whole, or not at all.</param>
/// <param name="ReachedReady">Whether the child had said ready before the kill.</param>
/// <param name="Context">The seeds and counts that reproduce the cycle, for a failure message.</param>
public sealed record CrashCycle(
    int Index,
    string Directory,
    int ChildSeed,
    IReadOnlyList<CrashRecord> History,
    IReadOnlyList<CrashRecord> Acknowledged,
    CrashRecord? Pending,
    bool ReachedReady,
    string Context);
