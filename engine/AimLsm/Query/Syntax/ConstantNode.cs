namespace AimLsm.Query.Syntax;

/// <summary>A literal: null (None), bool, long, double or string.</summary>
internal sealed record ConstantNode(int Start, int End, object? Value) : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth => 1;
}
