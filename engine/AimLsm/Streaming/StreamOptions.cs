using AimLsm.Encoding;

namespace AimLsm.Streaming;

/// <summary>
/// What an <see cref="AimStreamWriter"/> streams of each sequence, and how it cuts the stream into chunks
/// (docs/format.md, section 14). Set the properties, then hand the options to the writer, which validates them.
/// </summary>
public sealed class StreamOptions
{
    /// <summary>Aim's default density (points per sequence) for its metric explorer; Aim offers 50, 250 and 500.</summary>
    public const int DefaultDensity = 500;

    /// <summary>
    /// Points per sequence, or null for every point of the step range, streamed chunk by chunk. With a density a
    /// numeric sequence is down-sampled by <see cref="Sampling"/>, other sequences evenly by position; the first
    /// and the last point of the range are always kept. A run object (<see cref="AimStreamWriter.WriteRunAsync"/>)
    /// carries sampled traces only with a density; without one it carries each trace's metadata.
    /// </summary>
    public int? Density { get; set; }

    /// <summary>The first step streamed (inclusive).</summary>
    public long FromStep { get; set; } = long.MinValue;

    /// <summary>The end of the streamed steps (exclusive), as in <c>Sequence.Read</c>.</summary>
    public long ToStep { get; set; } = long.MaxValue;

    /// <summary>How a numeric sequence is down-sampled to <see cref="Density"/>.</summary>
    public SamplingMethod Sampling { get; set; } = SamplingMethod.Lttb;

    /// <summary>
    /// The most points in one chunk of a sequence. A chunk is one top-level object, encoded whole before it is
    /// flushed, so this and <see cref="ChunkBytes"/> bound the writer's buffer and the reader's latency.
    /// </summary>
    public int ChunkPoints { get; set; } = 10_000;

    /// <summary>
    /// The bytes after which a chunk ends: a numeric chunk holds at most <c>ChunkBytes / 32</c> points (four 8-byte
    /// columns); a chunk of objects ends after the object that crosses this size (every chunk holds at least one).
    /// </summary>
    public int ChunkBytes { get; set; } = 1 << 20;

    /// <summary>
    /// A field that the repo stores apart (an <see cref="Tree.AimBlob"/>, such as an image's bytes) is streamed
    /// inline when its encoded value is at most this many bytes, and as a blob reference otherwise, fetched later
    /// with <see cref="AimStreamWriter.WriteBlobsAsync"/>. Deciding reads the blob; 0 streams every blob by
    /// reference without reading it.
    /// </summary>
    public int InlineBlobLimit { get; set; } = 16 * 1024;

    /// <summary>
    /// Whether a sequence's custom objects (<see cref="Encoding.AimObject"/>, such as <c>aim.image</c>) are sent
    /// as plain dicts of their fields, as Aim's API sends <c>record.json()</c>: Aim's UI decoder has no case for the
    /// custom-object type byte <c>0F</c>. Off by default, which keeps the type name (this reader rebuilds an
    /// <see cref="Encoding.AimObject"/>); the trace's <c>dtype</c> names the type either way.
    /// </summary>
    public bool CustomObjectsAsDicts { get; set; }

    /// <summary>
    /// Whether the stream opens with the version marker (<see cref="StreamFormat.MarkerKey"/>). Turn it off only for
    /// a consumer that must see nothing but Aim's own objects.
    /// </summary>
    public bool WriteMarker { get; set; } = true;

    /// <summary>
    /// The parts of a run's params tree that a run object (<see cref="AimStreamWriter.WriteRunAsync"/>) carries, each
    /// a path below <c>params</c> (say <c>["hparams", "lr"]</c>, whose subtree is sent whole); null, the default, for
    /// the whole tree, as Aim sends it. A listing that shows a few params of many runs sends those only: most of a
    /// run object is its params. A run that holds none of them gets an empty <c>params</c> dict. No path may be
    /// empty or lie inside another (the same records would be written twice).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<PathSegment>>? Params { get; set; }

    /// <summary>
    /// The fields of a run's <c>props</c> that a run object carries: null, the default, for all of them, as Aim sends
    /// them; else each item a field (<c>name</c>, <c>description</c>, <c>experiment</c>, <c>tags</c>, <c>archived</c>,
    /// <c>creation_time</c>, <c>end_time</c>, <c>active</c>) or a field of the experiment or of every tag
    /// (<c>experiment.name</c>, <c>tags.name</c>). A table of 10,000 runs that shows their names, experiments and tags
    /// needs less than half of Aim's props. No item may be unknown, repeated or inside another.
    /// </summary>
    public IReadOnlyList<string>? Props { get; set; }

    /// <summary>Checks the ranges; returns this.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public StreamOptions Validate()
    {
        if (Density is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Density), Density, "Density must be at least 1 point (or null for every point).");
        }

        if (FromStep >= ToStep)
        {
            throw new ArgumentOutOfRangeException(nameof(ToStep), ToStep, $"ToStep must be above FromStep ({FromStep}); the range is [FromStep, ToStep).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkPoints, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfNegative(InlineBlobLimit);
        ValidateParams();
        if (Props is { } props)
        {
            PropsSelection.Parse(props);
        }

        if (!Enum.IsDefined(Sampling))
        {
            throw new ArgumentOutOfRangeException(nameof(Sampling), Sampling, "Unknown sampling method.");
        }

        return this;
    }

    private void ValidateParams()
    {
        if (Params is not { } paths)
        {
            return;
        }

        for (int i = 0; i < paths.Count; i++)
        {
            if (paths[i] is not { Count: > 0 })
            {
                throw new ArgumentException($"Params[{i}] is empty: a path below params names at least one key.", nameof(Params));
            }

            for (int j = 0; j < i; j++)
            {
                IReadOnlyList<PathSegment> shorter = paths[i].Count <= paths[j].Count ? paths[i] : paths[j];
                IReadOnlyList<PathSegment> longer = ReferenceEquals(shorter, paths[i]) ? paths[j] : paths[i];
                if (StartsWith(longer, shorter))
                {
                    throw new ArgumentException(
                        $"Params[{j}] ({PathSegment.Format([.. paths[j]])}) and Params[{i}] ({PathSegment.Format([.. paths[i]])}) overlap: one lies inside the other.",
                        nameof(Params));
                }
            }
        }
    }

    private static bool StartsWith(IReadOnlyList<PathSegment> path, IReadOnlyList<PathSegment> prefix)
    {
        for (int k = 0; k < prefix.Count; k++)
        {
            if (!path[k].Equals(prefix[k]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The points of one numeric chunk: <see cref="ChunkPoints"/>, capped by <see cref="ChunkBytes"/>.</summary>
    internal int NumericChunkPoints => Math.Max(1, Math.Min(ChunkPoints, ChunkBytes / 32));
}
