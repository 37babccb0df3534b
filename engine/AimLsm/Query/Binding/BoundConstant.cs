namespace AimLsm.Query.Binding;

/// <summary>A constant: a literal, or a subtree folded while binding.</summary>
/// <param name="Value">The runtime value.</param>
internal sealed record BoundConstant(object? Value) : BoundNode(UsesSequence: false)
{
    /// <summary>The constant None.</summary>
    public static readonly BoundConstant None = new((object?)null);

    /// <summary>The constant True; the prefilter split also uses this instance for "unknown" and "nothing left".</summary>
    public static readonly BoundConstant True = new(Runtime.PyOps.True);
}
