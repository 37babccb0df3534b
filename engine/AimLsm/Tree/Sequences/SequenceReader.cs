using AimLsm.Kv;

namespace AimLsm.Tree.Sequences;

/// <summary>Fetches the blob field <paramref name="relativePath"/> of the record at <paramref name="step"/>.</summary>
internal delegate byte[]? BlobFetcher(long step, byte[] relativePath);

/// <summary>
/// Range and sample reads of one sequence (docs/format.md, section 13.2): only the chunks that overlap the step
/// range are read, each decoded straight from the engine's buffer into the result columns.
/// </summary>
internal static class SequenceReader
{
    /// <summary>Whether the sequence's first chunk holds numbers (float or int columns): what a reader goes by while the
    /// sequence has no metadata yet. A chunk of mixed ints and floats is stored encoded and reads as objects then.</summary>
    public static bool FirstChunkIsNumeric(Iterator iterator, byte[] prefix)
    {
        using var cursor = new ChunkCursor(iterator, prefix);
        cursor.Start(long.MinValue, long.MaxValue);
        return cursor.Valid && new ChunkView(cursor.Value).IsNumeric;
    }

    /// <summary>
    /// Reads records with <paramref name="from"/> ≤ step &lt; <paramref name="to"/>; with <paramref name="sample"/>,
    /// at most that many, evenly spaced by position and always including the first and the last record of the range.
    /// <paramref name="countHint"/> sizes the result: the metadata's count for a whole-sequence read, else 0. A sample
    /// spaces its points by it and reads the chunks once; when the data holds another count (the metadata of a
    /// sequence being tracked can lag by a commit) it counts from the chunk headers and reads again. With no hint
    /// a sample counts first. <paramref name="numeric"/> selects the numeric columns.
    /// </summary>
    public static SequenceData Read(Iterator iterator, byte[] prefix, bool numeric, long from, long to, int? sample, long countHint, BlobFetcher? blobs)
    {
        if (sample is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sample), sample, "A sample needs at least one point.");
        }

        using var cursor = new ChunkCursor(iterator, prefix);
        long total = countHint;
        bool counted = false;
        if (sample is not null && countHint <= 0)
        {
            total = CountRange(cursor, from, to);
            counted = true;
        }

        while (true)
        {
            int capacity = sample is { } n ? (int)Math.Min(n, Math.Max(total, 0)) : (int)Math.Clamp(total, 16, 1 << 20);
            var builder = new ColumnBuilder(capacity, numeric);
            long offset = 0;
            int k = 0;
            for (cursor.Start(from, to); cursor.Valid; cursor.Next())
            {
                var view = new ChunkView(cursor.Value);
                (int start, int end) = Window(view, cursor.MinStep, from, to);
                if (sample is not { } points || total <= points)
                {
                    builder.AppendRange(view, start, end, blobs);
                    offset += end - start;
                    continue;
                }

                // Positions k * (total - 1) / (points - 1) for k = 0 .. points - 1: evenly spaced, first and last included.
                for (; k < points; k++)
                {
                    long position = points == 1 ? total - 1 : k * (total - 1) / (points - 1);
                    if (position >= offset + (end - start))
                    {
                        break;
                    }

                    builder.AppendOne(view, start + (int)(position - offset), blobs);
                }

                offset += end - start;
            }

            // A sample spaced by the metadata's count (one pass, the common case) is right only if the count was;
            // the metadata of a sequence being tracked can lag its chunks by one commit. Then count and redo.
            if (sample is null || counted || offset == total)
            {
                return builder.Build();
            }

            total = offset;
            counted = true;
        }
    }

    /// <summary>The records of the chunks in [<paramref name="from"/>, <paramref name="to"/>), from the chunk headers.</summary>
    internal static long CountRange(ChunkCursor cursor, long from, long to)
    {
        long total = 0;
        for (cursor.Start(from, to); cursor.Valid; cursor.Next())
        {
            var view = new ChunkView(cursor.Value);
            (int start, int end) = Window(view, cursor.MinStep, from, to);
            total += end - start;
        }

        return total;
    }

    /// <summary>The records [start, end) of a chunk inside [from, to); empty, not reversed, when <paramref name="to"/>
    /// is below <paramref name="from"/>.</summary>
    internal static (int Start, int End) Window(ChunkView view, long minStep, long from, long to)
    {
        int start = minStep >= from ? 0 : view.LowerBound(from);
        int end = view.Steps[view.Count - 1] < to ? view.Count : view.LowerBound(to);
        return (start, Math.Max(start, end));
    }

    /// <summary>Growable result columns; the arrays are handed to <see cref="SequenceData"/> without a copy when
    /// the capacity was exact.</summary>
    private struct ColumnBuilder(int capacity, bool numeric)
    {
        private long[] _steps = new long[capacity];
        private long?[] _epochs = new long?[capacity];
        private double[] _times = new double[capacity];
        private double[]? _numbers = numeric ? new double[capacity] : null;
        // Allocated at the first int value; dropped (null) once any value is not an int. A float sequence never
        // allocates it.
        private long[]? _ints;
        private bool _allInts = numeric;
        private object?[]? _objects = numeric ? null : new object?[capacity];
        private int _count;

        public void AppendRange(ChunkView view, int start, int end, BlobFetcher? blobs)
        {
            int n = end - start;
            if (n <= 0)
            {
                return;
            }

            Reserve(n);
            view.Steps.CopyTo(start, _steps.AsSpan(_count, n));
            Span<long> micros = n <= 512 ? stackalloc long[n] : new long[n];
            view.TimesMicros.CopyTo(start, micros);
            Span<double> times = _times.AsSpan(_count, n);
            for (int i = 0; i < times.Length; i++)
            {
                times[i] = micros[i] / 1e6;
            }

            view.CopyEpochs(start, _epochs.AsSpan(_count, n), micros);

            if (_numbers is not null && view.ValueKind == ChunkFormat.FloatValues)
            {
                view.CopyFloats(start, _numbers.AsSpan(_count, n));
                NotAllInts();
                _count += n;
                return;
            }

            for (int i = 0; i < n; i++)
            {
                SetValue(view, start + i, _count + i, blobs);
            }

            _count += n;
        }

        public void AppendOne(ChunkView view, int index, BlobFetcher? blobs)
        {
            Reserve(1);
            _steps[_count] = view.Steps[index];
            _times[_count] = view.TimesMicros[index] / 1e6;
            long epoch = view.Epoch(index);
            _epochs[_count] = epoch == ChunkFormat.NoEpoch ? null : epoch;
            SetValue(view, index, _count, blobs);
            _count++;
        }

        public SequenceData Build()
        {
            return new SequenceData(Trim(_steps), Trim(_epochs), Trim(_times), _numbers is null ? null : Trim(_numbers),
                _ints is null || !_allInts ? null : Trim(_ints), _objects is null ? null : Trim(_objects));
        }

        private void SetValue(ChunkView view, int index, int slot, BlobFetcher? blobs)
        {
            switch (view.ValueKind)
            {
                case ChunkFormat.FloatValues:
                    NotAllInts();
                    if (_numbers is not null)
                    {
                        _numbers[slot] = view.Number(index);
                    }
                    else
                    {
                        _objects![slot] = view.Number(index);
                    }

                    return;
                case ChunkFormat.IntValues:
                    long value = view.Int(index);
                    if (_numbers is not null)
                    {
                        _numbers[slot] = value;
                        if (_allInts)
                        {
                            (_ints ??= new long[_steps.Length])[slot] = value;
                        }
                    }
                    else
                    {
                        _objects![slot] = value;
                    }

                    return;
            }

            TrackedValue tracked = ValueCodec.FromRecords(view.Encoded(index));
            if (_numbers is not null)
            {
                // A numeric sequence whose chunk mixes ints and floats (stored encoded to keep big ints exact).
                _numbers[slot] = tracked.IsNumber ? tracked.AsDouble : double.NaN;
                if (_allInts && tracked.Type == Encoding.AimType.Int)
                {
                    (_ints ??= new long[_steps.Length])[slot] = tracked.Bits;
                }
                else
                {
                    NotAllInts();
                }

                return;
            }

            long step = view.Steps[index];
            _objects![slot] = tracked.ToObject(blobs is null ? null : relative => blobs(step, relative.ToArray()));
        }

        private void NotAllInts()
        {
            _allInts = false;
            _ints = null;
        }

        private void Reserve(int more)
        {
            if (_count + more <= _steps.Length)
            {
                return;
            }

            int size = Math.Max(_count + more, _steps.Length * 2);
            Array.Resize(ref _steps, size);
            Array.Resize(ref _epochs, size);
            Array.Resize(ref _times, size);
            if (_numbers is not null)
            {
                Array.Resize(ref _numbers, size);
            }

            if (_ints is not null)
            {
                Array.Resize(ref _ints, size);
            }

            if (_objects is not null)
            {
                Array.Resize(ref _objects, size);
            }
        }

        private readonly T[] Trim<T>(T[] array) => array.Length == _count ? array : array[.._count];
    }
}
