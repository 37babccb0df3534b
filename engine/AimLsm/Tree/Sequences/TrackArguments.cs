namespace AimLsm.Tree.Sequences;

/// <summary>
/// The checks of <c>Track</c>'s arguments that do not depend on where a point is stored, shared by a local
/// <see cref="Run"/> (through <see cref="SequenceWriter"/>) and a remote client's run, so that both refuse the same
/// arguments with the same exceptions and messages, in the caller's thread (docs/aim-repo.md, "Errors").
/// </summary>
internal static class TrackArguments
{
    /// <summary>Refuses <see cref="long.MinValue"/>, which the chunk format and the wire use for "no epoch".</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is <see cref="long.MinValue"/>.</exception>
    public static void CheckEpoch(long? epoch)
    {
        if (epoch == long.MinValue)
        {
            throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "long.MinValue is reserved to mean 'no epoch'.");
        }
    }

    /// <summary>
    /// Checks <paramref name="incoming"/> against a sequence's dtype and resolves the step (the next one when
    /// <paramref name="step"/> is null), updating both. The caller holds the lock that guards them.
    /// </summary>
    /// <exception cref="ArgumentException">The sequence holds values of an incompatible dtype.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The step is <see cref="long.MaxValue"/>.</exception>
    public static long ResolveStep(ref string? dtype, ref long nextStep, string incoming, long? step, string hash, string name, Context context)
    {
        string merged = incoming;
        if (dtype is not null && !ValueCodec.TryMerge(dtype, incoming, out merged))
        {
            throw new ArgumentException(
                $"Sequence '{name}' {context} of run '{hash}' holds {dtype} values; a {incoming} value cannot be tracked into it.");
        }

        long resolved = step ?? nextStep;
        if (resolved == long.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(step), resolved,
                $"Sequence '{name}' {context} of run '{hash}': step long.MaxValue is reserved (a read of [from, to) with to = long.MaxValue means 'to the end').");
        }

        dtype = merged;
        nextStep = Math.Max(nextStep, resolved + 1);
        return resolved;
    }

    /// <summary>Checks the keys of a new sequence and its context against the engine's limits.</summary>
    /// <exception cref="ArgumentException">A key or context value is too large; the message names the sequence.</exception>
    public static void CheckSequence(string hash, string name, Context context)
    {
        try
        {
            TrackLimits.CheckSequence(hash, name, context);
        }
        catch (ArgumentException e)
        {
            throw InSequence(e, hash, name, context, e.ParamName);
        }
    }

    /// <summary><paramref name="e"/> with the sequence and run it concerns in front of its message.</summary>
    public static ArgumentException InSequence(ArgumentException e, string hash, string name, Context context, string? paramName) =>
        new($"Cannot track into sequence '{LargeValue.Abbreviate(name)}' {LargeValue.Abbreviate(context.ToString())} of run '{hash}': {e.Message}", paramName, e);
}
