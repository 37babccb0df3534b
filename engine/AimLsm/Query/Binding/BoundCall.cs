using AimLsm.Query.Runtime;

namespace AimLsm.Query.Binding;

/// <summary>
/// A call of an allow-listed builtin or method. The arguments are in parameter order with defaults filled (the
/// receiver first for a method), so the compiler passes them straight to the implementation.
/// </summary>
/// <param name="Function">The builtin.</param>
/// <param name="Arguments">The arguments in parameter order.</param>
internal sealed record BoundCall(BuiltinSignature Function, IReadOnlyList<BoundNode> Arguments) : BoundNode(AnyUsesSequence(Arguments));
