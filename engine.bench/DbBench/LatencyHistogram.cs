using System.Numerics;
using System.Runtime.CompilerServices;

namespace AimLsm.Bench.DbBench;

/// <summary>
/// A log-linear histogram of nanosecond latencies (HdrHistogram's layout, simplified): each power of two is split
/// into 32 buckets, so a percentile is within about 3% of the true value. Recording is a shift and an increment, with
/// no allocation. Not thread-safe: each worker records into its own and the runner merges them.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 5;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int Groups = 64 - SubBucketBits;
    private readonly long[] _counts = new long[(Groups + 1) * SubBuckets];

    public long Count { get; private set; }

    public long Max { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(long nanos)
    {
        ulong v = (ulong)Math.Max(nanos, 0);
        _counts[Index(v)]++;
        Count++;
        if ((long)v > Max)
        {
            Max = (long)v;
        }
    }

    /// <summary>Records <paramref name="count"/> operations that took <paramref name="nanos"/> each.</summary>
    public void Record(long nanos, long count)
    {
        ulong v = (ulong)Math.Max(nanos, 0);
        _counts[Index(v)] += count;
        Count += count;
        Max = Math.Max(Max, (long)v);
    }

    public void Merge(LatencyHistogram other)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }
        Count += other.Count;
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>The latency at or below which <paramref name="percentile"/> percent of operations fall, in nanoseconds.</summary>
    public double Percentile(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }
        long rank = (long)Math.Ceiling(percentile / 100.0 * Count);
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(Midpoint(i), Max);
            }
        }
        return Max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Index(ulong v)
    {
        if (v < SubBuckets)
        {
            return (int)v;
        }
        int group = BitOperations.Log2(v) - SubBucketBits + 1; // >= 1
        int sub = (int)(v >> (group - 1)) - SubBuckets;           // in [0, SubBuckets)
        return (group * SubBuckets) + sub;
    }

    private static double Midpoint(int index)
    {
        int group = index / SubBuckets;
        int sub = index % SubBuckets;
        if (group == 0)
        {
            return sub;
        }
        double low = (double)(SubBuckets + sub) * Math.Pow(2, group - 1);
        double width = Math.Pow(2, group - 1);
        return low + (width / 2);
    }
}
