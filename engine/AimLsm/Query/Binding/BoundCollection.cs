namespace AimLsm.Query.Binding;

/// <summary>A list or tuple literal with at least one item computed at run time (all-constant ones fold to a <see cref="BoundConstant"/>).</summary>
/// <param name="IsTuple">True for a tuple, false for a list.</param>
/// <param name="Items">The items.</param>
internal sealed record BoundCollection(bool IsTuple, IReadOnlyList<BoundNode> Items) : BoundNode(AnyUsesSequence(Items));
