namespace AimLsm.Query.Syntax;

/// <summary><c>Body if Test else OrElse</c>.</summary>
internal sealed record ConditionalNode(int Start, int End, SyntaxNode Test, SyntaxNode Body, SyntaxNode OrElse) : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + Math.Max(Test.Depth, Math.Max(Body.Depth, OrElse.Depth));
}
