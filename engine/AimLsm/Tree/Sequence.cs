using AimLsm.Tree.Sequences;
using AimLsm.Tree.Storage;

namespace AimLsm.Tree;

/// <summary>
/// One sequence of a run (a metric, images, texts, ...), identified by name and context. Reads go to the engine
/// each time, so they see what was tracked since (or, for a run a query yielded, the query's snapshot: see
/// <see cref="Tree.Run"/>); of a writable run, <see cref="Track(object?, long?, long?)"/> is the fast path that
/// skips the lookup by name.
/// </summary>
public sealed class Sequence : ISequence
{
    private readonly Run _run;
    private readonly byte[] _chunks;

    internal Sequence(Run run, string name, Context context)
    {
        _run = run;
        Name = name;
        Context = context;
        _chunks = RepoKeys.Sequence(run.Hash, context.Id, name);
    }

    /// <summary>The sequence's name.</summary>
    public string Name { get; }

    /// <summary>The sequence's context.</summary>
    public Context Context { get; }

    /// <summary>The run the sequence belongs to.</summary>
    public Run Run => _run;

    IRunInfo ISequence.Run => _run;

    /// <summary>The sequence's metadata now (first, last, min, max, count, dtype); Count is 0 for a sequence never written.</summary>
    public SequenceInfo Info
    {
        get
        {
            using ReadScope scope = _run.Scope();
            return new SequenceInfo(Name, Context, SequenceMeta.Load(scope, RepoKeys.Trace(_run.Hash, Context.Id, Name)));
        }
    }

    /// <summary>Records with <paramref name="fromStep"/> ≤ step &lt; <paramref name="toStep"/>, in step order.</summary>
    public SequenceData Read(long fromStep = long.MinValue, long toStep = long.MaxValue) => ReadCore(fromStep, toStep, null);

    /// <summary>
    /// At most <paramref name="points"/> records of the step range, evenly spaced by position, always including the
    /// range's first and last records: for plotting a long sequence without reading every record's value.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="points"/> is less than 1.</exception>
    public SequenceData Sample(int points, long fromStep = long.MinValue, long toStep = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        return ReadCore(fromStep, toStep, points);
    }

    /// <summary>Tracks a value into this sequence; see <see cref="Run.Track(object?, string, long?, long?, Context?)"/>.</summary>
    public void Track(object? value, long? step = null, long? epoch = null) => _run.Track(_run.Writer(Name, Context), value, step, epoch);

    /// <summary>Tracks a float without boxing it.</summary>
    public void Track(double value, long? step = null, long? epoch = null) =>
        _run.Track(_run.Writer(Name, Context), TrackedValue.Float(value), "float", step, epoch);

    /// <summary>Tracks an int without boxing it.</summary>
    public void Track(long value, long? step = null, long? epoch = null) =>
        _run.Track(_run.Writer(Name, Context), TrackedValue.Int(value), "int", step, epoch);

    /// <summary>Opens this sequence's records with <paramref name="from"/> ≤ step &lt; <paramref name="to"/> for windowed
    /// reads (the stream's samplers), all at one snapshot of the run. With <paramref name="metadataCount"/>, a
    /// whole-sequence range counts by the metadata until <see cref="SequenceRangeCounter.Confirm"/>.</summary>
    internal SequenceRangeCounter OpenRange(long from, long to, bool metadataCount = false) =>
        new(_run.Scope(), RepoKeys.Trace(_run.Hash, Context.Id, Name), _chunks, from, to, metadataCount);

    /// <summary>The number of records with <paramref name="from"/> ≤ step &lt; <paramref name="to"/>, from the chunk
    /// headers: exact where <see cref="SequenceInfo.Count"/> covers the whole sequence and may lag a writer by a commit.</summary>
    internal long CountRange(long from, long to)
    {
        using SequenceRangeCounter range = OpenRange(from, to);
        return range.Count;
    }

    private SequenceData ReadCore(long fromStep, long toStep, int? sample)
    {
        // One iterator for the metadata and the chunks: one consistent view, and one iterator to build, not two.
        using ReadScope scope = _run.Scope();
        var meta = SequenceMeta.Load(scope, RepoKeys.Trace(_run.Hash, Context.Id, Name));
        // The background writer may commit a new sequence's first chunks before its first metadata (a late point
        // commits the tail to index the chunks; a min/max rescan commits before it reads): with no dtype yet, the
        // first chunk's value kind decides, so a reader never gets a numeric sequence's points as objects.
        bool numeric = meta.Dtype is null
            ? SequenceReader.FirstChunkIsNumeric(scope.Iterator, _chunks)
            : meta.Dtype is "int" or "float" or "number";
        return SequenceReader.Read(scope.Iterator, _chunks, numeric, fromStep, toStep, sample,
            fromStep == long.MinValue && toStep == long.MaxValue ? meta.Count : 0,
            numeric ? null : BlobFetcher(scope, RepoKeys.SequenceBlobs(_run.Hash, Context.Id, Name)), meta.Count);
    }

    /// <summary>Reads a record's fields stored apart through <paramref name="scope"/>, so at the state its chunks were
    /// read at (used only while the scope is open: <see cref="SequenceReader.Read"/> fetches before it returns).</summary>
    private static BlobFetcher BlobFetcher(ReadScope scope, byte[] sequenceBlobs) => (step, relative) =>
        scope.Get(RepoKeys.Concat(RepoKeys.WithInt(sequenceBlobs, step), relative));
}
