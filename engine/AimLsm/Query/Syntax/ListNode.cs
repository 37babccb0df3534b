namespace AimLsm.Query.Syntax;

/// <summary><c>[a, b, c]</c>.</summary>
internal sealed record ListNode(int Start, int End, IReadOnlyList<SyntaxNode> Items) : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + MaxDepth(Items);
}
