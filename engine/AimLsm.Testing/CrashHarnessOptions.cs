namespace AimLsm.Testing;

/// <summary>What <see cref="CrashHarness.Run"/> starts and how it kills it.</summary>
public sealed class CrashHarnessOptions
{
    /// <summary>
    /// The child program: a <c>.dll</c> (started with <c>dotnet</c>, as a console project's build output is) or an
    /// executable, whose <c>Main</c> calls <see cref="CrashChild.Run"/>.
    /// </summary>
    public required string ChildPath { get; init; }

    /// <summary>Arguments put before the harness's own (to choose a workload in a child that has several).</summary>
    public IReadOnlyList<string> ChildArguments { get; init; } = [];

    /// <summary>Kill-reopen-verify cycles (default 30).</summary>
    public int Cycles { get; init; } = 30;

    /// <summary>The seed of the kill schedule and the children's seeds; null draws one (it is reported).</summary>
    public int? Seed { get; init; }

    /// <summary>The shortest time a child runs after it said ready before the kill (default 100 ms).</summary>
    public TimeSpan MinRunTime { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest (default 1.5 s); each kill lands at a uniformly random moment in between.</summary>
    public TimeSpan MaxRunTime { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// One cycle in this many kills at a random moment from process start (50-800 ms), possibly before the workload is
    /// ready or during its recovery; 0 never does (default 6).
    /// </summary>
    public int EarlyKillOneIn { get; init; } = 6;

    /// <summary>How long a child may take to say ready (default 30 s); a child that does not fails the run.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
