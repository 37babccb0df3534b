using AimLsm.Query.Runtime;
using AimLsm.Encoding;

namespace AimLsm.Query.Binding;

/// <summary>The result of resolving a syntax node: a value, or one of the views and names that only compose further.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Value">The value, for <see cref="ResolvedKind.Value"/>.</param>
/// <param name="Path">The param path, for <see cref="ResolvedKind.Param"/>.</param>
/// <param name="Function">The builtin, for <see cref="ResolvedKind.Function"/>.</param>
internal readonly record struct Resolved(ResolvedKind Kind, BoundNode? Value = null, PathSegment[]? Path = null, BuiltinSignature? Function = null);
