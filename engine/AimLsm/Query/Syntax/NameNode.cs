namespace AimLsm.Query.Syntax;

/// <summary>A name: <c>run</c>, <c>metric</c>, <c>len</c>.</summary>
internal sealed record NameNode(int Start, int End, string Name) : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth => 1;
}
