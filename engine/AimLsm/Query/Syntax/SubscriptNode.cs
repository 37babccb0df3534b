namespace AimLsm.Query.Syntax;

/// <summary><c>Target[Index]</c>; <c>x[a, b]</c> has a <see cref="TupleNode"/> index, <c>x[a:b]</c> a <see cref="SliceNode"/>.</summary>
internal sealed record SubscriptNode(int Start, int End, SyntaxNode Target, SyntaxNode Index) : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + Math.Max(Target.Depth, Index.Depth);
}
