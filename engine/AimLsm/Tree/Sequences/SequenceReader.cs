using System.Diagnostics;
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
    /// <summary>The largest window whose columns are sized by its step span (or the sequence's count) without counting
    /// its records first: 64K records, 2.5 MB of numeric columns.</summary>
    private const long WindowGuess = 64 * 1024;

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
    /// a sample counts first. <paramref name="sequenceCount"/> is the metadata's count of the whole sequence (0 when
    /// unknown): a window of a sequence holds at most min(it, to - from) records, which sizes a window's columns
    /// when that is small, so that they are allocated once and handed over without a copy; a larger window counts its
    /// records from the chunk headers first. <paramref name="numeric"/> selects the numeric columns.
    /// </summary>
    public static SequenceData Read(Iterator iterator, byte[] prefix, bool numeric, long from, long to, int? sample, long countHint,
        BlobFetcher? blobs, long sequenceCount = 0)
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
        else if (sample is null && countHint <= 0)
        {
            // A window: steps are distinct ints, so it holds at most to - from records (no overflow: compared unsigned).
            ulong span = unchecked((ulong)to - (ulong)from);
            long bound = to <= from ? 0 : span < (ulong)long.MaxValue ? (long)span : long.MaxValue;
            if (sequenceCount > 0)
            {
                bound = Math.Min(bound, sequenceCount);
            }

            // Up to WindowGuess records an over-estimate costs little (the columns are trimmed once); above it the
            // headers are cheaper than columns allocated for records the window does not hold.
            total = bound <= WindowGuess ? bound : CountRange(cursor, from, to);
        }

        while (true)
        {
            int capacity = sample is { } n ? (int)Math.Min(n, Math.Max(total, 0)) : (int)Math.Clamp(total, 16, 1 << 20);
            // A read of every record in the range keeps epochs and timestamps as stored until they are used; a
            // sample by position decodes its few records whole.
            bool everyRecord = sample is not { } p || total <= p;
            var builder = new ColumnBuilder(capacity, numeric, everyRecord);
            long offset = 0;
            int k = 0;
            for (cursor.Start(from, to); cursor.Valid; cursor.Next())
            {
                var view = new ChunkView(cursor.Value);
                (int start, int end) = Window(view, cursor.MinStep, from, to);
                if (sample is not { } points || total <= points)
                {
                    builder.AppendRange(view, cursor.Value, start, end, blobs);
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

    /// <summary>Unix microseconds to the seconds of <see cref="SequenceData.Timestamps"/> (a division, not a
    /// multiplication by 1e-6, whose rounding differs).</summary>
    internal static void ToSeconds(ReadOnlySpan<long> micros, Span<double> seconds)
    {
        for (int i = 0; i < micros.Length; i++)
        {
            seconds[i] = micros[i] / 1e6;
        }
    }

    /// <summary>Growable result columns; the arrays are handed to <see cref="SequenceData"/> without a copy when
    /// the capacity was exact. With <c>deferred</c>, epochs and timestamps are kept as stored
    /// (<see cref="RetainedColumns"/>) and only <see cref="AppendRange"/> is used.</summary>
    private struct ColumnBuilder(int capacity, bool numeric, bool deferred)
    {
        // Uninitialized: every slot below _count is written before Build, and a long sequence's columns are tens of
        // MB whose zeroing would be a pass of its own.
        private long[] _steps = GC.AllocateUninitializedArray<long>(capacity);
        private long?[]? _epochs = deferred ? null : GC.AllocateUninitializedArray<long?>(capacity);
        private double[]? _times = deferred ? null : GC.AllocateUninitializedArray<double>(capacity);
        // About 1.5 bytes a record for a float32 curve's two columns; grows when the chunks need more.
        private readonly RetainedColumns? _retained = deferred ? new RetainedColumns(2 * capacity) : null;
        private double[]? _numbers = numeric ? GC.AllocateUninitializedArray<double>(capacity) : null;
        // Allocated at the first int value; dropped (null) once any value is not an int. A float sequence never
        // allocates it.
        private long[]? _ints;
        private bool _allInts = numeric;
        private object?[]? _objects = numeric ? null : new object?[capacity];
        private int _count;

        public void AppendRange(ChunkView view, ReadOnlySpan<byte> chunk, int start, int end, BlobFetcher? blobs)
        {
            int n = end - start;
            if (n <= 0)
            {
                return;
            }

            Reserve(n);
            view.Steps.CopyTo(start, _steps.AsSpan(_count, n));
            if (_retained is not null)
            {
                _retained.Add(view, chunk, start, n);
            }
            else
            {
                Span<long> micros = n <= 512 ? stackalloc long[n] : new long[n];
                view.TimesMicros.CopyTo(start, micros);
                ToSeconds(micros, _times.AsSpan(_count, n));
                view.CopyEpochs(start, _epochs.AsSpan(_count, n), micros);
            }

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
            Debug.Assert(_epochs is not null && _times is not null, "a sample's builder decodes whole records");
            Reserve(1);
            _steps[_count] = view.Steps[index];
            _times![_count] = view.TimesMicros[index] / 1e6;
            long epoch = view.Epoch(index);
            _epochs![_count] = epoch == ChunkFormat.NoEpoch ? null : epoch;
            SetValue(view, index, _count, blobs);
            _count++;
        }

        public SequenceData Build()
        {
            double[]? numbers = _numbers is null ? null : Trim(_numbers);
            long[]? ints = _ints is null || !_allInts ? null : Trim(_ints);
            object?[]? objects = _objects is null ? null : Trim(_objects);
            return _retained is not null
                ? new SequenceData(Trim(_steps), _retained, numbers, ints, objects)
                : new SequenceData(Trim(_steps), Trim(_epochs!), Trim(_times!), numbers, ints, objects);
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
            if (_epochs is not null)
            {
                Array.Resize(ref _epochs, size);
                Array.Resize(ref _times, size);
            }
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
