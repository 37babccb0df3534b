namespace AimLsm.Streaming;

/// <summary>How <see cref="SequenceSampler"/> picks the points of a numeric sequence. Every method keeps the first
/// and the last point of the range.</summary>
public enum SamplingMethod
{
    /// <summary>
    /// Largest-triangle-three-buckets (Steinarsson, 2013): one point per bucket of equal count, the one that forms
    /// the largest triangle with the previous pick and the next bucket's average. Keeps spikes and the curve's shape.
    /// </summary>
    Lttb = 0,

    /// <summary>Each bucket of equal count contributes its smallest and its largest value: every extreme survives.</summary>
    MinMax = 1,

    /// <summary>
    /// Points evenly spaced by position (<c>Sequence.Sample</c>), as Aim samples objects. Reads only the points it
    /// returns, so it is the cheapest, but it can miss spikes.
    /// </summary>
    Uniform = 2,
}
