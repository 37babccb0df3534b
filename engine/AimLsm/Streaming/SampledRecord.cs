namespace AimLsm.Streaming;

/// <summary>One record of a numeric sequence, every column: a sampler's pick, or a candidate for one. <see cref="Int"/>
/// is the exact value when the record holds an int.</summary>
internal readonly record struct SampledRecord(long Step, long? Epoch, double Time, double Number, long Int);
