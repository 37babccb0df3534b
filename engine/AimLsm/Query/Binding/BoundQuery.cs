using AimLsm.Encoding;

namespace AimLsm.Query.Binding;

/// <summary>The binder's result: the bound tree and what the compiler and evaluator need to know about it.</summary>
/// <param name="Root">The bound expression; its truthiness is the query's result.</param>
/// <param name="ParamPaths">The constant param paths the query reads, by slot.</param>
/// <param name="MetricSlots">The number of cached <c>run.metrics[...]</c> slots.</param>
/// <param name="SequenceKind">The sequence variable the query uses, or null when it uses none.</param>
/// <param name="MentionsArchived">True when the query reads <c>run.archived</c>; otherwise archived runs are left out, as in Aim.</param>
internal sealed record BoundQuery(BoundNode Root, PathSegment[][] ParamPaths, int MetricSlots, SequenceKind? SequenceKind, bool MentionsArchived);
