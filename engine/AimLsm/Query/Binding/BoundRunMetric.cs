namespace AimLsm.Query.Binding;

/// <summary><c>run.metrics[name]</c> or <c>run.metrics[name, context]</c>: the run's sequence view, or None.</summary>
/// <param name="Name">The sequence name.</param>
/// <param name="Context">The context dict, or null for the empty context.</param>
/// <param name="Slot">The per-run cache slot when name and context are constants; -1 otherwise.</param>
internal sealed record BoundRunMetric(BoundNode Name, BoundNode? Context, int Slot) : BoundNode(AnyUsesSequence([Name, Context]));
