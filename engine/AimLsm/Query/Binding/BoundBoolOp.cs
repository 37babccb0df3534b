namespace AimLsm.Query.Binding;

/// <summary><c>a and b and ...</c> or <c>a or b or ...</c> (at least two operands), with Python's short-circuit and value semantics.</summary>
/// <param name="IsAnd">True for <c>and</c>, false for <c>or</c>.</param>
/// <param name="Operands">The operands, in evaluation order.</param>
internal sealed record BoundBoolOp(bool IsAnd, IReadOnlyList<BoundNode> Operands) : BoundNode(AnyUsesSequence(Operands));
