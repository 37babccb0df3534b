namespace AimLsm.Query.Syntax;

/// <summary><c>(a, b)</c>, <c>(a,)</c>, <c>()</c>, or the index of <c>x[a, b]</c>.</summary>
internal sealed record TupleNode(int Start, int End, IReadOnlyList<SyntaxNode> Items) : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + MaxDepth(Items);
}
