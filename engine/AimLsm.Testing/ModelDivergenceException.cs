namespace AimLsm.Testing;

/// <summary>
/// The engine disagreed with the model (or threw) while running a case. The message holds the failing step, the
/// options and the whole sequence as replayable text; <see cref="ModelChecker"/> puts the shrunk case in it.
/// </summary>
public sealed class ModelDivergenceException : Exception
{
    /// <summary>A new divergence at op <paramref name="step"/>, described by <paramref name="message"/>.</summary>
    public ModelDivergenceException(string message, int step, Exception inner)
        : base(message, inner)
    {
        Step = step;
    }

    /// <summary>A new divergence of the (shrunk) <paramref name="failing"/> case.</summary>
    public ModelDivergenceException(string message, ModelCase failing, ModelCase original, int seed, ModelDivergenceException inner)
        : base(message, inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Step = inner.Step;
        Case = failing;
        OriginalCase = original;
        Seed = seed;
    }

    /// <summary>The index of the op at which the run diverged: -1 at open, the op count at close.</summary>
    public int Step { get; }

    /// <summary>The smallest failing case found (set by <see cref="ModelChecker"/>); its text replays the failure.</summary>
    public ModelCase? Case { get; }

    /// <summary>The generated case before shrinking (set by <see cref="ModelChecker"/>).</summary>
    public ModelCase? OriginalCase { get; }

    /// <summary>The seed of the checker run that found it (set by <see cref="ModelChecker"/>).</summary>
    public int Seed { get; }
}
