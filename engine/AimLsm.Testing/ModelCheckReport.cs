namespace AimLsm.Testing;

/// <summary>What a passing <see cref="ModelChecker.Check"/> ran.</summary>
/// <param name="Seed">The seed of the first case (case i used <c>Seed + i</c>).</param>
/// <param name="Cases">Cases run.</param>
/// <param name="Ops">Ops run over all cases.</param>
/// <param name="Flushes">Explicit flushes among them.</param>
/// <param name="Reopens">Reopens (recoveries) among them.</param>
public sealed record ModelCheckReport(int Seed, int Cases, long Ops, long Flushes, long Reopens);
