namespace AimLsm.Tree.Sequences;

/// <summary>
/// The epoch and timestamp columns of a long read kept as stored (docs/format.md, section 13.2: a chunk's bytes from
/// its epoch presence byte to the end of its timestamp column) and decoded when <see cref="SequenceData.Epochs"/>
/// or <see cref="SequenceData.Timestamps"/> is first used. A float32 curve's two columns take about 1.5 bytes a
/// record here against 24 as arrays, and a read that only draws the curve never decodes them. Filled by one reader
/// thread, then immutable. A sampler's window keeps one too, cleared at each fill, and decodes only the records it
/// picks (<see cref="Get"/>).
/// </summary>
internal sealed class RetainedColumns : IDeferredColumns
{
    private byte[] _bytes;
    private Segment[] _segments = new Segment[16];
    private int _length;
    private int _segmentCount;

    public RetainedColumns(int capacityBytes) => _bytes = new byte[Math.Max(capacityBytes, 256)];

    /// <summary>The records kept.</summary>
    public int Count { get; private set; }

    /// <summary>Forgets every record, keeping the buffers.</summary>
    public void Clear() => _length = _segmentCount = Count = 0;

    /// <summary>The epoch (null for none) and timestamp (Unix seconds) of record <paramref name="index"/> of those kept.</summary>
    public void Get(int index, out long? epoch, out double seconds)
    {
        // The last segment whose first record is at or below index: segments are few (a window's chunks).
        int lo = 0, hi = _segmentCount - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >> 1;
            if (_segments[mid].First <= index)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        Segment segment = _segments[lo];
        var view = new ChunkView(segment.Version, segment.ChunkCount, _bytes.AsSpan(segment.Offset, segment.Length));
        int at = segment.Start + (index - segment.First);
        long e = view.Epoch(at);
        epoch = e == ChunkFormat.NoEpoch ? null : e;
        seconds = view.TimesMicros[at] / 1e6;
    }

    /// <summary>Keeps records [start, start + count) of <paramref name="view"/>'s columns, whose chunk is
    /// <paramref name="chunk"/>, as the next records of the read.</summary>
    public void Add(ChunkView view, ReadOnlySpan<byte> chunk, int start, int count)
    {
        ReadOnlySpan<byte> columns = chunk[view.EpochsStart..view.TimesEnd];
        if (_length + columns.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_length + columns.Length, _bytes.Length * 2));
        }

        if (_segmentCount == _segments.Length)
        {
            Array.Resize(ref _segments, _segments.Length * 2);
        }

        columns.CopyTo(_bytes.AsSpan(_length));
        _segments[_segmentCount++] = new Segment(view.Version, view.Count, start, count, _length, columns.Length, Count);
        _length += columns.Length;
        Count += count;
    }

    public void Fill(long?[] epochs, double[] timestamps)
    {
        int at = 0;
        Span<long> micros = stackalloc long[512];
        for (int s = 0; s < _segmentCount; s++)
        {
            Segment segment = _segments[s];
            var view = new ChunkView(segment.Version, segment.ChunkCount, _bytes.AsSpan(segment.Offset, segment.Length));
            for (int done = 0; done < segment.Count; done += micros.Length)
            {
                int n = Math.Min(micros.Length, segment.Count - done);
                view.CopyEpochs(segment.Start + done, epochs.AsSpan(at, n), micros);
                view.TimesMicros.CopyTo(segment.Start + done, micros[..n]);
                SequenceReader.ToSeconds(micros[..n], timestamps.AsSpan(at, n));
                at += n;
            }
        }
    }

    /// <summary>Records [Start, Start + Count) of a chunk of ChunkCount records in format Version, whose two columns
    /// are bytes [Offset, Offset + Length); they are records [First, First + Count) of those kept.</summary>
    private readonly record struct Segment(byte Version, int ChunkCount, int Start, int Count, int Offset, int Length, int First);
}
