namespace AimLsm.Query.Syntax;

/// <summary><c>-x</c>, <c>+x</c> or <c>not x</c>.</summary>
internal sealed record UnaryNode(int Start, int End, UnaryOperator Operator, SyntaxNode Operand) : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + Operand.Depth;
}
