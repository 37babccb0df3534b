namespace AimLsm.Query.Syntax;

/// <summary>
/// A comparison chain <c>a &lt; b &lt;= c</c>: n operands and n - 1 operators, meaning <c>a &lt; b and b &lt;= c</c>
/// with <c>b</c> evaluated once.
/// </summary>
internal sealed record CompareNode(int Start, int End, IReadOnlyList<SyntaxNode> Operands, IReadOnlyList<CompareOperator> Operators)
    : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + MaxDepth(Operands);
}
