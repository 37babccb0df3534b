namespace AimLsm.Query.Binding;

/// <summary>A dict literal; <paramref name="Keys"/> and <paramref name="Values"/> have the same length.</summary>
/// <param name="Keys">The keys.</param>
/// <param name="Values">The values.</param>
internal sealed record BoundDict(IReadOnlyList<BoundNode> Keys, IReadOnlyList<BoundNode> Values) : BoundNode(AnyUsesSequence([.. Keys, .. Values]));
