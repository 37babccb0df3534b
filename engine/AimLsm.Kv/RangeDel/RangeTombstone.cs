namespace AimLsm.Kv.RangeDel;

/// <summary>
/// A range tombstone: every version of every key in [<see cref="Start"/>, <see cref="End"/>) with a sequence number
/// below <see cref="Sequence"/> is deleted. Immutable; the arrays are never modified after construction.
/// </summary>
internal readonly record struct RangeTombstone(byte[] Start, byte[] End, ulong Sequence);
