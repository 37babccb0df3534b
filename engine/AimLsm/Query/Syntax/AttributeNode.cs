namespace AimLsm.Query.Syntax;

/// <summary><c>Target.Name</c>; <paramref name="NameStart"/> is where the name begins, for errors about it.</summary>
internal sealed record AttributeNode(int Start, int End, SyntaxNode Target, string Name, int NameStart) : SyntaxNode(Start, End)
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + Target.Depth;
}
