namespace AimLsm.Query.Syntax;

/// <summary><c>lower:upper:step</c> inside a subscript; each part may be missing.</summary>
internal sealed record SliceNode(int Start, int End, SyntaxNode? Lower, SyntaxNode? Upper, SyntaxNode? Step) : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + MaxDepth([Lower, Upper, Step]);
}
