namespace AimLsm.Testing;

/// <summary>What a passing <see cref="CrashHarness.Run"/> did, for the test's output.</summary>
/// <param name="Seed">The seed of the kill schedule.</param>
/// <param name="Cycles">Kill-reopen-verify cycles run.</param>
/// <param name="Acknowledged">Steps acknowledged over all cycles.</param>
/// <param name="PendingAtKill">Cycles that ended with a step pending.</param>
/// <param name="PendingApplied">Of those, the ones whose pending step the verifier found applied.</param>
/// <param name="KilledBeforeReady">Cycles killed before the child said ready.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record CrashHarnessReport(int Seed, int Cycles, long Acknowledged, int PendingAtKill, int PendingApplied, int KilledBeforeReady, TimeSpan Elapsed)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Cycles} kill-and-verify cycles in {Elapsed.TotalSeconds:F1} s (seed {Seed}): {Acknowledged} steps acknowledged, "
        + $"{PendingAtKill} pending at the kill ({PendingApplied} found applied), {KilledBeforeReady} kills before the child was ready";
}
