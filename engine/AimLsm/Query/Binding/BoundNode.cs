namespace AimLsm.Query.Binding;

/// <summary>
/// A node of the bound tree: the query after names are resolved against the allow-list and constants are folded.
/// Each node is something the compiler can emit directly; nothing here can name an arbitrary member. Immutable.
/// </summary>
/// <param name="UsesSequence">True when the value depends on the sequence being evaluated (<c>metric.*</c>); false for run-only nodes.</param>
internal abstract record BoundNode(bool UsesSequence)
{
    /// <summary>True when any of <paramref name="nodes"/> uses the sequence.</summary>
    protected static bool AnyUsesSequence(IEnumerable<BoundNode?> nodes) => nodes.Any(n => n is { UsesSequence: true });
}
