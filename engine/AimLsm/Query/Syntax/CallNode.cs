namespace AimLsm.Query.Syntax;

/// <summary><c>Callee(arguments, name=value, ...)</c>.</summary>
internal sealed record CallNode(int Start, int End, SyntaxNode Callee, IReadOnlyList<SyntaxNode> Arguments, IReadOnlyList<KeywordArgument> Keywords)
    : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + Math.Max(Callee.Depth, Math.Max(MaxDepth(Arguments), MaxDepth(Keywords.Select(k => k.Value))));
}
