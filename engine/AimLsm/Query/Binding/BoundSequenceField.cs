using AimLsm.Query.Runtime;

namespace AimLsm.Query.Binding;

/// <summary>A sequence field: of the query's sequence variable (<c>metric.last</c>), or of a sequence value (<c>run.metrics['loss'].last</c>).</summary>
/// <param name="Source">The sequence value, or null for the sequence variable.</param>
/// <param name="Field">The field.</param>
internal sealed record BoundSequenceField(BoundNode? Source, SequenceField Field) : BoundNode(Source is null || Source.UsesSequence);
