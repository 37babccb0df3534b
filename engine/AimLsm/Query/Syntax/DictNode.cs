namespace AimLsm.Query.Syntax;

/// <summary><c>{k1: v1, k2: v2}</c>; <see cref="Keys"/> and <see cref="Values"/> have the same length.</summary>
internal sealed record DictNode(int Start, int End, IReadOnlyList<SyntaxNode> Keys, IReadOnlyList<SyntaxNode> Values) : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + Math.Max(MaxDepth(Keys), MaxDepth(Values));
}
