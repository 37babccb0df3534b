namespace AimLsm.Query.Binding;

/// <summary><c>target.name</c> on a runtime value (datetime and timedelta fields, dict keys); resolved by a fixed switch at run time.</summary>
/// <param name="Target">The value.</param>
/// <param name="Name">The attribute name (never starting with '_').</param>
internal sealed record BoundAttribute(BoundNode Target, string Name) : BoundNode(Target.UsesSequence);
