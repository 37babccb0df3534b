namespace AimLsm.Testing;

/// <summary>One step of a crash workload as the expected-state log holds it: its id and the workload's own text.</summary>
/// <param name="Id">The step's id: consecutive over the whole test, across children.</param>
/// <param name="Text">What the workload logged for the step (one line), for the verifier to read.</param>
public sealed record CrashRecord(long Id, string Text);
