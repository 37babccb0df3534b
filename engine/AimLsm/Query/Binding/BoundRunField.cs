using AimLsm.Query.Runtime;

namespace AimLsm.Query.Binding;

/// <summary><c>run.hash</c>, <c>run.created_at</c>, ...: a structured field of the run.</summary>
/// <param name="Field">The field.</param>
internal sealed record BoundRunField(RunField Field) : BoundNode(UsesSequence: false);
