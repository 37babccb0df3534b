namespace AimLsm.Tree.Sequences;

/// <summary>One record of a sequence: a value at a step, with an optional epoch and a timestamp.</summary>
internal readonly record struct SequencePoint(long Step, long Epoch, long TimeMicros, TrackedValue Value);
