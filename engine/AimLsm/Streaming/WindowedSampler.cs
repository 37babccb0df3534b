using System.Diagnostics;
using AimLsm.Tree;
using AimLsm.Tree.Sequences;

namespace AimLsm.Streaming;

/// <summary>
/// <see cref="SamplingMethod.Lttb"/> and <see cref="SamplingMethod.MinMax"/> over a step range read window by window
/// instead of whole: the same picks as <see cref="SequenceSampler.Lttb"/> and <see cref="SequenceSampler.MinMax"/>
/// over a full read, and the same <see cref="SequenceData"/> as <see cref="SequenceSampler.Downsample"/> of it, with
/// memory bounded by the density and the window, never by the range's length.
/// </summary>
/// <remarks>
/// Memory: the result (about 48 bytes per point) and windows of at most <c>window</c> records: one of 48 bytes a
/// record for min-max; for LTTB two of <c>min(window, bucket)</c> records (the bucket being picked from and the next
/// one, averaged), 48 bytes each, or, when a bucket is larger than the window, one window of 16 bytes a record that
/// passes over each bucket twice: once to average it, once to pick from it. Counting a step range reads only chunk
/// headers; a whole sequence is not counted (its metadata's count, confirmed by the reads). All reads go through one <see cref="SequenceRangeCounter"/>, one snapshot, so a writer tracking
/// meanwhile changes nothing the sampler sees. Stateless and thread-safe.
/// </remarks>
internal static class WindowedSampler
{
    /// <summary>At most <paramref name="points"/> records of <paramref name="range"/>, a numeric range, read in windows
    /// of at most <paramref name="window"/> records.</summary>
    public static SequenceData Sample(SequenceRangeCounter range, int points, SamplingMethod method, int window)
    {
        Debug.Assert(range.IsNumeric && points >= 1 && window >= 1 && method is SamplingMethod.Lttb or SamplingMethod.MinMax);
        while (true)
        {
            // Of a whole sequence the count is the metadata's, which can lag the chunks by a commit: the reads confirm
            // it, and when it was wrong the range has counted its chunks and the sample starts over (once).
            long n = range.Count;
            var result = new SampleBuilder((int)Math.Min(n, points));
            if (n <= points)
            {
                All(range, result, (int)Math.Min(n, window));
            }
            else if (points <= 2)
            {
                Ends(range, result, points);
            }
            else if (method == SamplingMethod.Lttb)
            {
                WindowedLttb.Sample(range, n, points, window, result);
            }
            else
            {
                MinMax(range, n, points, window, result);
            }

            if (range.Confirm())
            {
                return result.Build(range.AllInts);
            }
        }
    }

    /// <summary>Reads the record at the range's current position into <paramref name="result"/>; false past its end.</summary>
    internal static bool AddNext(SequenceRangeCounter range, RecordWindow window, SampleBuilder result)
    {
        if (window.Fill(range, 1) == 0)
        {
            return false;
        }

        result.Add(window.At(0));
        return true;
    }

    /// <summary>Every record: the range holds no more than the density.</summary>
    private static void All(SequenceRangeCounter range, SampleBuilder result, int window)
    {
        var records = new RecordWindow(Math.Max(window, 1));
        while (records.Fill(range, records.Capacity) > 0)
        {
            for (int i = 0; i < records.Count; i++)
            {
                result.Add(records.At(i));
            }
        }
    }

    /// <summary>The last record for one point, the first and the last for two; the rest is skipped over, but still
    /// looked at for <see cref="SequenceRangeCounter.AllInts"/> (a full read's <see cref="SequenceData.Integers"/>
    /// depends on every record).</summary>
    private static void Ends(SequenceRangeCounter range, SampleBuilder result, int points)
    {
        var one = new RecordWindow(1);
        if (points == 2)
        {
            AddNext(range, one, result);
        }

        range.Skip(range.Count - 1 - range.Position);
        AddNext(range, one, result);
    }

    /// <summary>
    /// <see cref="SequenceSampler.MinMax"/> streamed: the records go by once, window by window, and each bucket keeps
    /// only its first record and its running minimum and maximum.
    /// </summary>
    private static void MinMax(SequenceRangeCounter range, long n, int points, int window, SampleBuilder result)
    {
        var records = new RecordWindow((int)Math.Min(window, n));
        AddNext(range, records, result);
        int buckets = (points - 2) / 2;
        if (buckets == 0)
        {
            range.Skip(n - 2);
        }

        var bucket = new MinMaxBucket(1);
        int b = 0;
        long end = buckets == 0 ? 1 : SequenceSampler.BucketStart(1, n, buckets);
        long position = range.Position;
        while (position < n - 1 && records.Fill(range, (int)Math.Min(records.Capacity, n - 1 - position)) > 0)
        {
            ReadOnlySpan<double> numbers = records.Numbers;
            for (int j = 0; j < numbers.Length; j++, position++)
            {
                if (position == end)
                {
                    // Every bucket holds at least one record (n - 2 >= buckets), so one step reaches the next.
                    bucket.AddTo(result);
                    bucket = new MinMaxBucket(position);
                    b++;
                    end = SequenceSampler.BucketStart(b + 1, n, buckets);
                }

                bucket.Add(records, j, position, numbers[j]);
            }
        }

        if (buckets > 0)
        {
            bucket.AddTo(result);
        }

        AddNext(range, records, result);
    }

    /// <summary>A min-max bucket's state: its first record, and its smallest and largest non-NaN values so far.</summary>
    private struct MinMaxBucket(long start)
    {
        private SampledRecord _first;
        private SampledRecord _min;
        private SampledRecord _max;
        private long _minAt = -1;
        private long _maxAt = -1;

        public void Add(RecordWindow records, int index, long position, double v)
        {
            if (position == start)
            {
                _first = records.At(index);
            }

            if (double.IsNaN(v))
            {
                return;
            }

            // As SequenceSampler.MinMax: a strict comparison, so the first of equal values stays.
            if (_minAt < 0 || v < _min.Number)
            {
                _min = records.At(index);
                _minAt = position;
            }

            if (_maxAt < 0 || v > _max.Number)
            {
                _max = records.At(index);
                _maxAt = position;
            }
        }

        public readonly void AddTo(SampleBuilder result)
        {
            if (_minAt < 0)
            {
                result.Add(_first);
                return;
            }

            result.Add(_minAt < _maxAt ? _min : _max);
            if (_minAt != _maxAt)
            {
                result.Add(_minAt < _maxAt ? _max : _min);
            }
        }
    }
}
