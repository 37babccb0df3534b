namespace AimLsm.Query.Binding;

/// <summary><c>target[lower:upper:step]</c> on a str, list or tuple; a missing part is null.</summary>
/// <param name="Target">The value sliced.</param>
/// <param name="Lower">The start, or null.</param>
/// <param name="Upper">The stop, or null.</param>
/// <param name="Step">The step, or null.</param>
internal sealed record BoundSlice(BoundNode Target, BoundNode? Lower, BoundNode? Upper, BoundNode? Step)
    : BoundNode(AnyUsesSequence([Target, Lower, Upper, Step]));
