namespace AimLsm.Query.Binding;

/// <summary><c>body if test else orElse</c>.</summary>
/// <param name="Test">The condition.</param>
/// <param name="Body">The value when the condition is true.</param>
/// <param name="OrElse">The value otherwise.</param>
internal sealed record BoundConditional(BoundNode Test, BoundNode Body, BoundNode OrElse) : BoundNode(AnyUsesSequence([Test, Body, OrElse]));
