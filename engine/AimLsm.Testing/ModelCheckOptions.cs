using AimLsm.Kv.IO;

namespace AimLsm.Testing;

/// <summary>What <see cref="ModelChecker.Check"/> runs: how many cases, from which seed, on which storage.</summary>
public sealed class ModelCheckOptions
{
    /// <summary>Random cases to run (default 200). Each holds up to <see cref="ModelGen.MaxOps"/> ops.</summary>
    public int Cases { get; set; } = 200;

    /// <summary>The seed of the first case; null draws one (it is reported, so a failure replays with it).</summary>
    public int? Seed { get; set; }

    /// <summary>Indexes into <see cref="ModelGen.OptionSets"/> the cases draw from; null or empty for all.</summary>
    public IReadOnlyList<int>? OptionSets { get; set; }

    /// <summary>
    /// Where each run's database lives: called once per run (shrinking runs included) and must return a fresh,
    /// empty place. Null runs each on a new <see cref="MemFileSystem"/> at /model/db. Wrap the file system in a
    /// <see cref="FaultInjectionFileSystem"/> to see how the engine's failures surface.
    /// </summary>
    public Func<(IFileSystem FileSystem, string Path)>? Storage { get; set; }

    /// <summary>The most runs shrinking may spend on one failure (default 2,000); the smallest failure so far is reported.</summary>
    public int MaxShrinkRuns { get; set; } = 2000;
}
