using System.Buffers;
using System.Diagnostics;
using AimLsm.Encoding;
using AimLsm.Tree.Storage;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// A step range of one sequence seen by position: counts its records from the chunk headers, then reads
/// them forward in caller-sized windows, skips over them, and goes back to a <see cref="Bookmark"/>, all through
/// one iterator and so one snapshot: a writer tracking meanwhile changes neither the count nor what the positions
/// hold. This is what lets a sampler hold a window of the range instead of the whole of it (docs/format.md,
/// section 14.6). Values are decoded exactly as <see cref="SequenceReader"/> decodes them, so that a windowed sample
/// equals one picked from a full read. Not thread-safe; holds the iterator (and with it the engine's view) until
/// disposed.
/// </summary>
internal sealed class SequenceRangeCounter : IDisposable
{
    private readonly ReadScope _scope;
    private readonly ChunkCursor _cursor;
    private readonly long _from;
    private readonly long _to;
    private long _count = -1;
    // The metadata's count of a whole-sequence range, taken for the count until a read finds otherwise: it can lag
    // the chunks by a commit (SequenceReader.Read), so whoever relies on it checks Confirm at the end.
    private bool _countIsHint;
    // A read or skip ran out of records before the count said it would (only a hint can be wrong).
    private bool _short;
    // The current chunk's next record and the end of its part of the range.
    private int _index;
    private int _end;
    // The least step the next record can have: `from`, or the step after the last one read.
    private long _nextMinStep;
    private bool _started;

    /// <summary>Opens the records with <paramref name="from"/> ≤ step &lt; <paramref name="to"/> of the sequence whose
    /// metadata is under <paramref name="trace"/> and chunks under <paramref name="chunks"/>, through
    /// <paramref name="scope"/>, which the counter owns from here (it is disposed with it, or here on failure).
    /// <see cref="Sequence"/> opens one; this type knows keys and a scope, not runs. With
    /// <paramref name="metadataCount"/>, a whole-sequence range takes the metadata's count, to be confirmed
    /// (<see cref="Confirm"/>) by a caller that reads every record.</summary>
    internal SequenceRangeCounter(ReadScope scope, byte[] trace, byte[] chunks, long from, long to, bool metadataCount = false)
    {
        _scope = scope;
        try
        {
            SequenceMeta meta = SequenceMeta.Load(_scope, trace);
            // As for a whole read: before the first metadata is committed, the first chunk's value kind decides.
            IsNumeric = meta.Dtype is null
                ? SequenceReader.FirstChunkIsNumeric(_scope.Iterator, chunks)
                : meta.Dtype is "int" or "float" or "number";
            _cursor = new ChunkCursor(_scope.Iterator, chunks);
            if (metadataCount && from == long.MinValue && to == long.MaxValue && meta.Dtype is not null)
            {
                // Counting the chunk headers is a pass over every chunk of the sequence (a quarter of an LTTB sample
                // of a long one): the metadata's count serves instead, confirmed by the reads themselves.
                _count = meta.Count;
                _countIsHint = true;
            }
        }
        catch
        {
            _scope.Dispose();
            throw;
        }

        _from = from;
        _to = to;
        _nextMinStep = from;
    }

    /// <summary>Whether the sequence's dtype is numeric; the reads decode numbers only, so use them only then.</summary>
    public bool IsNumeric { get; }

    /// <summary>Records in the range, counted from the chunk headers (no value decoded) at the first call; of a
    /// whole-sequence range, the metadata's count until <see cref="Confirm"/> (see there).</summary>
    public long Count
    {
        get
        {
            if (_count < 0)
            {
                // Counting moves the cursor, so it comes before any read positions it (Reset, Read and Skip ask first).
                Debug.Assert(!_started, "counted after the reads began");
                _count = SequenceReader.CountRange(_cursor, _from, _to);
            }

            return _count;
        }
    }

    /// <summary>Whether <see cref="Count"/> is the metadata's, not yet confirmed: a read may then come up short.</summary>
    public bool CountIsHint => _countIsHint;

    /// <summary>
    /// After every record up to <see cref="Count"/> was read or skipped: whether the count was right. A count from the
    /// metadata (a whole-sequence range) is checked here: no read came up short and no record follows the last. When
    /// it was wrong the range counts its chunk headers and starts over at position 0, and the caller reads again.
    /// </summary>
    public bool Confirm()
    {
        if (!_countIsHint)
        {
            return true;
        }

        _countIsHint = false;
        if (!_short && Position == _count && !Advance())
        {
            return true;
        }

        _count = SequenceReader.CountRange(_cursor, _from, _to);
        _short = false;
        AllInts = true;
        Reset(new Bookmark(0, _from));
        return false;
    }

    /// <summary>The position (0-based, in step order) of the record the next read returns.</summary>
    public long Position { get; private set; }

    /// <summary>Whether every record read or skipped so far holds an int (true before any): with a read of the whole
    /// range, whether a full read would fill <see cref="SequenceData.Integers"/>.</summary>
    public bool AllInts { get; private set; } = true;

    /// <summary>Where the next read starts, to come back to with <see cref="Reset"/>.</summary>
    public Bookmark Mark() => new(Position, _nextMinStep);

    /// <summary>Goes back (or forward) to <paramref name="bookmark"/>, taken by <see cref="Mark"/> on this range.</summary>
    public void Reset(Bookmark bookmark)
    {
        _ = Count;
        // Steps strictly increase, so the record at the bookmark is the first whose step is at least MinStep.
        _cursor.Start(bookmark.MinStep, _to);
        _started = true;
        _index = _end = 0;
        Position = bookmark.Position;
        _nextMinStep = bookmark.MinStep;
        if (_cursor.Valid)
        {
            (_index, _end) = SequenceReader.Window(new ChunkView(_cursor.Value), _cursor.MinStep, bookmark.MinStep, _to);
        }
    }

    /// <summary>
    /// Reads the next records, as many as <paramref name="steps"/> holds or the range has left, and returns how many.
    /// Numbers are the values as doubles (NaN for a value that is not a number), <paramref name="ints"/> the exact
    /// values where a record holds an int; <paramref name="epochs"/>, <paramref name="times"/> (Unix seconds) and
    /// <paramref name="ints"/> may be empty to skip decoding them, else they are at least as long as
    /// <paramref name="steps"/>. With <paramref name="retained"/>, the records' epoch and timestamp columns are kept
    /// there as stored, for a caller that decodes only a few of them.
    /// </summary>
    public int Read(Span<long> steps, Span<double> numbers, Span<long?> epochs, Span<double> times, Span<long> ints,
        RetainedColumns? retained = null)
    {
        int wanted = (int)Math.Min(steps.Length, Count - Position);
        int done = 0;
        long[]? scratch = null; // epochs and timestamps are decoded a column at a time, through it
        while (done < wanted && Advance())
        {
            var view = new ChunkView(_cursor.Value);
            int take = Math.Min(wanted - done, _end - _index);
            view.Steps.CopyTo(_index, steps.Slice(done, take));
            ReadNumbers(view, _index, numbers.Slice(done, take), ints.IsEmpty ? default : ints.Slice(done, take));
            retained?.Add(view, _cursor.Value, _index, take);
            if (!epochs.IsEmpty || !times.IsEmpty)
            {
                if (scratch is null || scratch.Length < take)
                {
                    if (scratch is not null)
                    {
                        ArrayPool<long>.Shared.Return(scratch);
                    }

                    scratch = ArrayPool<long>.Shared.Rent(take);
                }
            }

            if (!epochs.IsEmpty)
            {
                view.CopyEpochs(_index, epochs.Slice(done, take), scratch);
            }

            if (!times.IsEmpty)
            {
                Span<long> micros = scratch.AsSpan(0, take);
                view.TimesMicros.CopyTo(_index, micros);
                SequenceReader.ToSeconds(micros, times.Slice(done, take));
            }

            Consume(take, steps[done + take - 1]);
            done += take;
        }

        _short |= done < wanted;
        if (scratch is not null)
        {
            ArrayPool<long>.Shared.Return(scratch);
        }

        return done;
    }

    /// <summary>Moves past the next <paramref name="records"/> records (fewer at the end of the range) decoding only
    /// what <see cref="AllInts"/> needs; returns how many.</summary>
    public long Skip(long records)
    {
        long wanted = Math.Min(records, Count - Position);
        long done = 0;
        while (done < wanted && Advance())
        {
            var view = new ChunkView(_cursor.Value);
            int take = (int)Math.Min(wanted - done, _end - _index);
            if (AllInts)
            {
                AllInts = view.ValueKind switch
                {
                    ChunkFormat.IntValues => true,
                    ChunkFormat.FloatValues => false,
                    _ => EncodedInts(view, _index, take),
                };
            }

            Consume(take, view.Steps[_index + take - 1]);
            done += take;
        }

        _short |= done < wanted;
        return done;
    }

    public void Dispose()
    {
        _cursor.Dispose();
        _scope.Dispose();
    }

    private static bool EncodedInts(ChunkView view, int start, int count)
    {
        for (int i = start; i < start + count; i++)
        {
            if (ValueCodec.FromRecords(view.Encoded(i)).Type != AimType.Int)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Positions on a chunk with records left in the range; false at its end.</summary>
    private bool Advance()
    {
        if (!_started)
        {
            Reset(new Bookmark(0, _from));
        }

        // The chunk a start (the range's or a bookmark's) lands on has no record left when the start is past its last step.
        while (_index == _end)
        {
            if (!_cursor.Valid)
            {
                return false;
            }

            _cursor.Next();
            _index = _end = 0;
            if (_cursor.Valid)
            {
                (_index, _end) = SequenceReader.Window(new ChunkView(_cursor.Value), _cursor.MinStep, _from, _to);
            }
        }

        return true;
    }

    private void Consume(int records, long lastStep)
    {
        _index += records;
        // Cannot overflow: a step read is below `to`, at most long.MaxValue.
        _nextMinStep = lastStep + 1;
        Position += records;
    }

    /// <summary>Values as <see cref="SequenceReader"/>'s numeric columns hold them: doubles, and the exact int.</summary>
    private void ReadNumbers(ChunkView view, int start, Span<double> numbers, Span<long> ints)
    {
        switch (view.ValueKind)
        {
            case ChunkFormat.FloatValues:
                view.CopyFloats(start, numbers);
                AllInts = false;
                return;
            case ChunkFormat.IntValues:
                for (int i = 0; i < numbers.Length; i++)
                {
                    long value = view.Int(start + i);
                    numbers[i] = value;
                    if (!ints.IsEmpty)
                    {
                        ints[i] = value;
                    }
                }

                return;
        }

        for (int i = 0; i < numbers.Length; i++)
        {
            // A numeric sequence whose chunk mixes ints and floats (stored encoded to keep big ints exact).
            TrackedValue tracked = ValueCodec.FromRecords(view.Encoded(start + i));
            numbers[i] = tracked.IsNumber ? tracked.AsDouble : double.NaN;
            bool isInt = tracked.Type == AimType.Int;
            AllInts &= isInt;
            if (!ints.IsEmpty)
            {
                ints[i] = isInt ? tracked.Bits : 0;
            }
        }
    }

    /// <summary>A position of the range and the least step its record can have: the step after the one before it, or
    /// its own step. No record of the range may lie between <see cref="MinStep"/> and the record at the position.</summary>
    public readonly record struct Bookmark(long Position, long MinStep);
}
