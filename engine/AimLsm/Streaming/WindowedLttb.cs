using System.Diagnostics;
using AimLsm.Tree.Sequences;

namespace AimLsm.Streaming;

/// <summary>
/// <see cref="SequenceSampler.Lttb"/> streamed over a range's windows, for <see cref="WindowedSampler"/>. Bucket i's
/// pick needs the previous pick and the average of bucket i + 1, so bucket i is kept until bucket i + 1 has gone by.
/// When a bucket fits in the window both are held (each record is read once); when it does not, the bucket is read
/// again to pick from it, and then the pick itself, so that memory stays within the window. Sums and comparisons
/// run in the same order, over the same values, as the in-memory algorithm, so the picks are the same. Stateless.
/// </summary>
internal static class WindowedLttb
{
    /// <summary>Adds the picks of <paramref name="points"/> (at least 3, fewer than <paramref name="n"/>) for the
    /// <paramref name="n"/> records of <paramref name="range"/>, read from its start, to <paramref name="result"/>.</summary>
    public static void Sample(SequenceRangeCounter range, long n, int points, int window, SampleBuilder result)
    {
        Debug.Assert(points >= 3 && n > points && range.Position == 0);
        int buckets = points - 2;
        // The largest bucket: sizes are floor((i + 1) q) - floor(i q) with q = (n - 2) / buckets, at most ceil(q).
        long largest = (n - 2 + buckets - 1) / buckets;
        if (largest <= window)
        {
            Held(range, n, buckets, (int)largest, result);
        }
        else
        {
            Reread(range, n, buckets, window, result);
        }
    }

    /// <summary>Buckets fit in the window: the bucket being picked from and the next one are both held.</summary>
    private static void Held(SequenceRangeCounter range, long n, int buckets, int largest, SampleBuilder result)
    {
        var current = new RecordWindow(largest);
        var next = new RecordWindow(largest);
        if (!WindowedSampler.AddNext(range, current, result))
        {
            return;
        }

        SampledRecord a = current.At(0);
        long end = SequenceSampler.BucketStart(1, n, buckets);
        current.Fill(range, (int)(end - 1));
        for (int i = 0; i < buckets; i++)
        {
            long nextEnd = i + 2 <= buckets ? SequenceSampler.BucketStart(i + 2, n, buckets) : n;
            next.Fill(range, (int)(nextEnd - end));
            if (current.Count == 0 || next.Count == 0)
            {
                // Only the metadata's count can be wrong (the reads and a counted count come from one snapshot); the
                // sampler then counts and samples again (SequenceRangeCounter.Confirm).
                Debug.Assert(range.CountIsHint, "the range ended before its count");
                break;
            }

            var average = new Average(a.Number);
            average.Add(next.Steps, next.Numbers);
            int pick = SequenceSampler.Largest(current.Steps, current.Numbers, a.Step, a.Number, average.X(next.Steps[0]), average.Y, out _);
            a = current.At(pick);
            result.Add(a);
            (current, next) = (next, current);
            end = nextEnd;
        }

        // The last bucket's next one is the range's last record: it is in `current` now.
        if (current.Count > 0)
        {
            result.Add(current.At(current.Count - 1));
        }
    }

    /// <summary>
    /// Buckets exceed the window: each is read once to average it (steps and values only) and again to pick from
    /// it; the pick's record is then read by itself. Bookmarks bring the range back and forth.
    /// </summary>
    private static void Reread(SequenceRangeCounter range, long n, int buckets, int window, SampleBuilder result)
    {
        var records = new RecordWindow(window);
        var one = new RecordWindow(1);
        if (!WindowedSampler.AddNext(range, one, result))
        {
            return;
        }

        SampledRecord a = one.At(0);
        SequenceRangeCounter.Bookmark current = range.Mark();
        long start = 1, end = SequenceSampler.BucketStart(1, n, buckets);
        // The first bucket is averaged by no one: pass over it (it is read when picked from).
        range.Skip(end - start);
        for (int i = 0; i < buckets; i++)
        {
            long nextEnd = i + 2 <= buckets ? SequenceSampler.BucketStart(i + 2, n, buckets) : n;
            SequenceRangeCounter.Bookmark next = range.Mark();
            (double avgX, double avgY) = AverageNext(range, records, nextEnd - end, a.Number);
            SequenceRangeCounter.Bookmark after = range.Mark();
            range.Reset(current);
            range.Reset(PickNext(range, records, end - start, a, avgX, avgY));
            if (!WindowedSampler.AddNext(range, one, result))
            {
                Debug.Assert(range.CountIsHint, "the range ended before its count");
                return;
            }

            a = one.At(0);
            range.Reset(after);
            current = next;
            start = end;
            end = nextEnd;
        }

        // The last bucket's next one was the range's last record; `after` put the range past it, so read it again.
        range.Reset(current);
        WindowedSampler.AddNext(range, one, result);
    }

    /// <summary>The average of the next <paramref name="count"/> records, read window by window.</summary>
    private static (double X, double Y) AverageNext(SequenceRangeCounter range, RecordWindow records, long count, double fallback)
    {
        var average = new Average(fallback);
        long firstStep = 0;
        for (long left = count; left > 0 && records.Fill(range, (int)Math.Min(left, records.Capacity), whole: false) > 0; left -= records.Count)
        {
            if (left == count)
            {
                firstStep = records.Steps[0];
            }

            average.Add(records.Steps, records.Numbers);
        }

        return (average.X(firstStep), average.Y);
    }

    /// <summary>Where the pick among the next <paramref name="count"/> records is, read window by window.</summary>
    private static SequenceRangeCounter.Bookmark PickNext(SequenceRangeCounter range, RecordWindow records, long count, SampledRecord a,
        double avgX, double avgY)
    {
        double best = -1;
        long position = range.Position, end = position + count;
        var pick = new SequenceRangeCounter.Bookmark(position, range.Mark().MinStep);
        while (position < end && records.Fill(range, (int)Math.Min(end - position, records.Capacity), whole: false) > 0)
        {
            // The window's first largest area, if it beats the windows before: as one scan over them all.
            int j = SequenceSampler.Largest(records.Steps, records.Numbers, a.Step, a.Number, avgX, avgY, out double area);
            if (area > best)
            {
                best = area;
                // The record's own step: the least its record can have.
                pick = new SequenceRangeCounter.Bookmark(position + j, records.Steps[j]);
            }

            position += records.Count;
        }

        return pick;
    }

    /// <summary>The running average of a bucket's non-NaN points, summed in position order as the in-memory one.</summary>
    private struct Average(double fallback)
    {
        private double _x;
        private double _y;
        private long _valid;

        /// <summary>The average step; a bucket of NaN only averages to its first step.</summary>
        public readonly double X(long firstStep) => _valid == 0 ? firstStep : _x / _valid;

        /// <summary>The average value; a bucket of NaN only takes the previous pick's value.</summary>
        public readonly double Y => _valid == 0 ? fallback : _y / _valid;

        public void Add(ReadOnlySpan<long> steps, ReadOnlySpan<double> numbers)
        {
            for (int j = 0; j < steps.Length; j++)
            {
                if (!double.IsNaN(numbers[j]))
                {
                    _x += steps[j];
                    _y += numbers[j];
                    _valid++;
                }
            }
        }
    }
}
