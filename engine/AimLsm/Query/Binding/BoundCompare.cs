using AimLsm.Query.Syntax;

namespace AimLsm.Query.Binding;

/// <summary>A comparison chain: n operands, n - 1 operators; each inner operand is evaluated once.</summary>
/// <param name="Operands">The operands.</param>
/// <param name="Operators">The operators between them.</param>
internal sealed record BoundCompare(IReadOnlyList<BoundNode> Operands, IReadOnlyList<CompareOperator> Operators) : BoundNode(AnyUsesSequence(Operands));
