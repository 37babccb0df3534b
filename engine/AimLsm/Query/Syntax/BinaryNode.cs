namespace AimLsm.Query.Syntax;

/// <summary><c>Left op Right</c> for an arithmetic operator.</summary>
internal sealed record BinaryNode(int Start, int End, BinaryOperator Operator, SyntaxNode Left, SyntaxNode Right) : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + Math.Max(Left.Depth, Right.Depth);
}
