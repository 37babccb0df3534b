using AimLsm.Query.Syntax;

namespace AimLsm.Query.Binding;

/// <summary><c>left op right</c> for an arithmetic operator.</summary>
/// <param name="Operator">The operator.</param>
/// <param name="Left">The left operand.</param>
/// <param name="Right">The right operand.</param>
internal sealed record BoundBinary(BinaryOperator Operator, BoundNode Left, BoundNode Right) : BoundNode(Left.UsesSequence || Right.UsesSequence);
