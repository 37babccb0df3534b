using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AimLsm.Tree;
using AimLsm.Tree.Sequences;

namespace AimLsm.Streaming;

/// <summary>
/// Down-samples a sequence to a density (points per sequence) for plotting (docs/format.md, section 14.6). Numeric
/// sequences keep their shape: <see cref="SamplingMethod.Lttb"/> or <see cref="SamplingMethod.MinMax"/> look at every
/// point of the step range and pick the ones that matter; other sequences, and
/// <see cref="SamplingMethod.Uniform"/>, take points evenly spaced by position and read only those. Every method
/// returns at most the density, in step order, and always includes the range's first and last point.
/// Stateless and thread-safe.
/// </summary>
public static class SequenceSampler
{
    /// <summary>The records <see cref="Sample(Sequence, int, long, long, SamplingMethod)"/> holds at a time while it
    /// reads a range for LTTB or min-max.</summary>
    internal const int DefaultWindow = 64 * 1024;

    /// <summary>
    /// At most <paramref name="points"/> records of the sequence's step range [from, to), picked by <paramref name="method"/>:
    /// the same records as <see cref="Downsample"/> of a full read of the range.
    /// </summary>
    /// <remarks>
    /// Memory is bounded by the density, not by the range: the result takes about 48 bytes a point, and LTTB and
    /// min-max hold at most 65,536 records of the range at a time. Min-max reads it once through a window of up to
    /// 3 MB. LTTB holds the bucket it picks from and the next one, at most 2 x 3 MB (0.4 MB for a density of 500 over
    /// 2M points); when a bucket is larger than the window it reads each bucket twice through a 1 MB window instead.
    /// A step range is counted from chunk headers first; a whole sequence takes its metadata's count, which the reads
    /// confirm (when it lags the chunks, they are counted and the sample taken again). Every read sees one snapshot, so a writer tracking
    /// meanwhile does not disturb the sample. Uniform (and any method on a non-numeric sequence) reads only the points
    /// it returns.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="points"/> is less than 1.</exception>
    public static SequenceData Sample(Sequence sequence, int points, long fromStep = long.MinValue, long toStep = long.MaxValue,
        SamplingMethod method = SamplingMethod.Lttb) => Sample(sequence, points, fromStep, toStep, method, DefaultWindow);

    /// <summary><see cref="Sample(Sequence, int, long, long, SamplingMethod)"/> holding at most <paramref name="window"/>
    /// records of the range at a time (a small window lets tests cross windows with buckets).</summary>
    internal static SequenceData Sample(Sequence sequence, int points, long fromStep, long toStep, SamplingMethod method, int window)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        if (method is SamplingMethod.Lttb or SamplingMethod.MinMax)
        {
            // The samplers read every record of the range, so they can confirm the metadata's count of a whole
            // sequence instead of counting its chunks first (WindowedSampler.Sample).
            using SequenceRangeCounter range = sequence.OpenRange(fromStep, toStep, metadataCount: true);
            if (range.IsNumeric)
            {
                return WindowedSampler.Sample(range, points, method, window);
            }
        }

        return sequence.Sample(points, fromStep, toStep);
    }

    /// <summary>At most <paramref name="points"/> records of <paramref name="data"/>; <paramref name="data"/> itself when it has no more.
    /// Non-numeric data is sampled evenly by position whatever the method.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="points"/> is less than 1.</exception>
    public static SequenceData Downsample(SequenceData data, int points, SamplingMethod method)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        if (data.Count <= points)
        {
            return data;
        }

        int[] picks = (method, data.Numbers) switch
        {
            (SamplingMethod.Lttb, { } numbers) => Lttb(data.Steps, numbers, points),
            (SamplingMethod.MinMax, { } numbers) => MinMax(numbers, points),
            _ => Uniform(data.Count, points),
        };
        return Select(data, picks);
    }

    /// <summary>
    /// Largest-triangle-three-buckets: the indexes of at most <paramref name="points"/> points, in order, the first
    /// and the last included. The interior is cut into <c>points - 2</c> buckets of equal count; each contributes
    /// the point forming the largest triangle with the previous pick and the average of the next bucket (x = step).
    /// NaN values are never picked unless a whole bucket is NaN.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static int[] Lttb(ReadOnlySpan<long> steps, ReadOnlySpan<double> values, int points)
    {
        int n = values.Length;
        if (steps.Length != n)
        {
            throw new ArgumentException($"{steps.Length} steps but {n} values.", nameof(steps));
        }

        if (Trivial(n, points) is { } trivial)
        {
            return trivial;
        }

        int buckets = points - 2;
        var picks = new int[points];
        int a = 0;
        for (int i = 0; i < buckets; i++)
        {
            int start = BucketStart(i, n, buckets), end = BucketStart(i + 1, n, buckets);
            int nextEnd = i + 2 <= buckets ? BucketStart(i + 2, n, buckets) : n;
            (double avgX, double avgY) = Average(steps, values, end, nextEnd, values[a]);
            int pick = start + Largest(steps[start..end], values[start..end], steps[a], values[a], avgX, avgY, out _);
            picks[i + 1] = a = pick;
        }

        picks[^1] = n - 1;
        return picks;
    }

    /// <summary>
    /// Min-max buckets: the indexes of at most <paramref name="points"/> points, in order: the first, the last, and
    /// for each of <c>(points - 2) / 2</c> buckets of equal count its smallest and its largest value (NaN ignored),
    /// so that every local extreme survives.
    /// </summary>
    public static int[] MinMax(ReadOnlySpan<double> values, int points)
    {
        int n = values.Length;
        if (Trivial(n, points) is { } trivial)
        {
            return trivial;
        }

        int buckets = (points - 2) / 2;
        var picks = new List<int>(points) { 0 };
        for (int b = 0; b < buckets; b++)
        {
            int start = BucketStart(b, n, buckets), end = BucketStart(b + 1, n, buckets);
            int min = -1, max = -1;
            for (int j = start; j < end; j++)
            {
                double v = values[j];
                if (double.IsNaN(v))
                {
                    continue;
                }

                if (min < 0 || v < values[min])
                {
                    min = j;
                }

                if (max < 0 || v > values[max])
                {
                    max = j;
                }
            }

            if (min < 0)
            {
                picks.Add(start);
            }
            else
            {
                picks.Add(Math.Min(min, max));
                if (min != max)
                {
                    picks.Add(Math.Max(min, max));
                }
            }
        }

        picks.Add(n - 1);
        return [.. picks];
    }

    /// <summary>Positions <c>k * (count - 1) / (points - 1)</c>: evenly spaced, the first and the last included (as <c>Sequence.Sample</c>).</summary>
    public static int[] Uniform(int count, int points)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (Trivial(count, points) is { } trivial)
        {
            return trivial;
        }

        var picks = new int[points];
        for (int k = 0; k < points; k++)
        {
            picks[k] = (int)((long)k * (count - 1) / (points - 1));
        }

        return picks;
    }

    /// <summary>Every index when there are at most <paramref name="points"/>, the last alone for 1 point, the ends for 2.</summary>
    private static int[]? Trivial(int n, int points)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        if (n <= points)
        {
            var all = new int[n];
            for (int i = 0; i < n; i++)
            {
                all[i] = i;
            }

            return all;
        }

        return points switch
        {
            1 => [n - 1],
            2 => [0, n - 1],
            _ => null,
        };
    }

    /// <summary>The first index of bucket <paramref name="b"/> when the interior [1, n - 1) is cut into <paramref name="buckets"/>.</summary>
    internal static long BucketStart(long b, long n, long buckets) => 1 + (long)((Int128)b * (n - 2) / buckets);

    /// <summary>
    /// LTTB's pick among a bucket's points: the index of the first point whose <see cref="Area"/> with the previous
    /// pick (ax, ay) and the next bucket's average is the largest, and that area in <paramref name="best"/>; 0 and -1
    /// when every area is NaN (or the span is empty). One loop for the in-memory and the windowed algorithm.
    /// </summary>
    /// <remarks>
    /// Four points at a time: the areas are the same IEEE operations in the same order as <see cref="Area"/> (no fused
    /// multiply-add; (ax - avgX) and (avgY - ay) are the same values hoisted), so every lane rounds exactly as the
    /// scalar expression, and a block is looked at point by point, in order, only when one of its areas beats the best
    /// so far (a NaN area never does), which keeps the first of equal areas. A bucket's maximum moves a few times, so
    /// most blocks cost one comparison.
    /// </remarks>
    internal static int Largest(ReadOnlySpan<long> steps, ReadOnlySpan<double> values, double ax, double ay, double avgX, double avgY,
        out double best)
    {
        Debug.Assert(steps.Length == values.Length);
        best = -1;
        int pick = 0, j = 0;
        if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<double>.Count)
        {
            Vector256<double> dx = Vector256.Create(ax - avgX), dy = Vector256.Create(avgY - ay);
            Vector256<double> vax = Vector256.Create(ax), vay = Vector256.Create(ay);
            Vector256<double> top = Vector256.Create(best);
            Span<double> lanes = stackalloc double[Vector256<double>.Count];
            for (; j <= values.Length - Vector256<double>.Count; j += Vector256<double>.Count)
            {
                var x = Vector256.Create((double)steps[j], steps[j + 1], steps[j + 2], steps[j + 3]);
                Vector256<double> y = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(values), (nuint)j);
                Vector256<double> area = Vector256.Abs((dx * (y - vay)) - ((vax - x) * dy));
                if (Vector256.GreaterThanAny(area, top))
                {
                    area.CopyTo(lanes);
                    for (int k = 0; k < lanes.Length; k++)
                    {
                        if (lanes[k] > best)
                        {
                            best = lanes[k];
                            pick = j + k;
                        }
                    }

                    top = Vector256.Create(best);
                }
            }
        }

        for (; j < values.Length; j++)
        {
            double area = Area(ax, ay, avgX, avgY, steps[j], values[j]);
            if (area > best)
            {
                best = area;
                pick = j;
            }
        }

        return pick;
    }

    /// <summary>Twice the area of the triangle of the previous pick (ax, ay), the next bucket's average and (x, y):
    /// LTTB's measure, one expression for the in-memory and the windowed algorithm so that both round alike.</summary>
    internal static double Area(double ax, double ay, double avgX, double avgY, double x, double y) =>
        Math.Abs(((ax - avgX) * (y - ay)) - ((ax - x) * (avgY - ay)));

    private static int BucketStart(int b, int n, int buckets) => (int)BucketStart((long)b, n, buckets);

    private static (double X, double Y) Average(ReadOnlySpan<long> steps, ReadOnlySpan<double> values, int start, int end, double fallback)
    {
        double x = 0, y = 0;
        int valid = 0;
        for (int j = start; j < end; j++)
        {
            if (!double.IsNaN(values[j]))
            {
                x += steps[j];
                y += values[j];
                valid++;
            }
        }

        return valid == 0 ? (steps[start], fallback) : (x / valid, y / valid);
    }

    private static SequenceData Select(SequenceData data, int[] picks)
    {
        return new SequenceData(Pick(data.Steps, picks), Pick(data.Epochs, picks), Pick(data.Timestamps, picks),
            data.Numbers is null ? null : Pick(data.Numbers, picks), data.Integers is null ? null : Pick(data.Integers, picks),
            data.Objects is null ? null : Pick(data.Objects, picks));
    }

    private static T[] Pick<T>(T[] column, int[] picks)
    {
        var result = new T[picks.Length];
        for (int i = 0; i < picks.Length; i++)
        {
            result[i] = column[picks[i]];
        }

        return result;
    }
}
