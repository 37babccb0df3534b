namespace AimLsm.Query.Syntax;

/// <summary>
/// A node of the parsed query (Python's <c>ast</c> for the expression subset AimQL accepts). Every node knows its span
/// [Start, End) in the query text, for error messages, and its depth, which the parser bounds as it builds the tree so
/// that no later stage can recurse too deep. Nodes are immutable.
/// </summary>
/// <param name="Start">Offset of the node's first character.</param>
/// <param name="End">Offset after the node's last character.</param>
internal abstract record SyntaxNode(int Start, int End)
{
    /// <summary>1 for a leaf; 1 + the deepest child otherwise.</summary>
    public abstract int Depth { get; }

    /// <summary>The deepest of <paramref name="nodes"/> (0 when empty).</summary>
    protected static int MaxDepth(IEnumerable<SyntaxNode?> nodes)
    {
        int max = 0;
        foreach (SyntaxNode? n in nodes)
        {
            if (n is not null && n.Depth > max)
            {
                max = n.Depth;
            }
        }

        return max;
    }
}
