using AimLsm.Encoding;

namespace AimLsm.Query.Binding;

/// <summary>
/// A param at a path known while compiling (<c>run.hparams.lr</c>, <c>run['hparams', 'lr']</c>). Each distinct path
/// gets a slot; evaluation reads the path from the run once per run, when the value is first needed, so a query reads
/// only the subtrees it touches.
/// </summary>
/// <param name="Path">The path under the run's params.</param>
/// <param name="Slot">The index of the path in the query's param table.</param>
internal sealed record BoundParam(PathSegment[] Path, int Slot) : BoundNode(UsesSequence: false);
