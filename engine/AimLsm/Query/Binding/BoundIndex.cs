namespace AimLsm.Query.Binding;

/// <summary><c>target[key]</c> on a runtime value.</summary>
/// <param name="Target">The value subscripted.</param>
/// <param name="Key">The index or key.</param>
internal sealed record BoundIndex(BoundNode Target, BoundNode Key) : BoundNode(Target.UsesSequence || Key.UsesSequence);
