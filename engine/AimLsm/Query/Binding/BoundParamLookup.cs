using AimLsm.Encoding;

namespace AimLsm.Query.Binding;

/// <summary><c>run[key]</c> or <c>run.hparams[key]</c> where the key is computed at run time: the path is <paramref name="BasePath"/> plus the key.</summary>
/// <param name="BasePath">The constant part of the path.</param>
/// <param name="Key">The key: a str, an int, or a tuple of them.</param>
internal sealed record BoundParamLookup(PathSegment[] BasePath, BoundNode Key) : BoundNode(Key.UsesSequence);
