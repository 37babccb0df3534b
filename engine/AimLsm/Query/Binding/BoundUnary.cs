using AimLsm.Query.Syntax;

namespace AimLsm.Query.Binding;

/// <summary><c>-x</c>, <c>+x</c> or <c>not x</c>.</summary>
/// <param name="Operator">The operator.</param>
/// <param name="Operand">The operand.</param>
internal sealed record BoundUnary(UnaryOperator Operator, BoundNode Operand) : BoundNode(Operand.UsesSequence);
