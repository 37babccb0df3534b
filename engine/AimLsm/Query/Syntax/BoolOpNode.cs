namespace AimLsm.Query.Syntax;

/// <summary><c>a and b and c</c> or <c>a or b or c</c>: flat, as in Python's <c>ast.BoolOp</c>, so long chains stay shallow.</summary>
internal sealed record BoolOpNode(int Start, int End, bool IsAnd, IReadOnlyList<SyntaxNode> Operands) : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + MaxDepth(Operands);
}
