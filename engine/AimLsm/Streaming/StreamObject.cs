using AimLsm.Encoding;

namespace AimLsm.Streaming;

/// <summary>What a top-level object of a stream is, by its key (docs/format.md, section 14.2).</summary>
public enum StreamObjectKind
{
    /// <summary>Data: a run, a piece of a sequence, a blob, or anything else a writer sent.</summary>
    Object = 0,

    /// <summary>A progress report <c>[checked, total]</c>: the key starts with <c>progress</c>.</summary>
    Progress = 1,

    /// <summary>The version marker <see cref="StreamFormat.MarkerKey"/>.</summary>
    Marker = 2,
}

/// <summary>
/// One top-level object of a stream: the records under one first path segment, folded into a .NET value as
/// <see cref="TreeReader"/> builds it (dicts, lists, scalars, <see cref="AimObject"/>s; bytes as byte[]). Immutable
/// once read; the value is the caller's.
/// </summary>
public sealed class StreamObject
{
    /// <summary>Creates an object.</summary>
    public StreamObject(PathSegment key, object? value, StreamObjectKind kind, long offset)
    {
        Key = key;
        Value = value;
        Kind = kind;
        Offset = offset;
    }

    /// <summary>The top-level key: a run hash, <c>progress_N</c>, a blob URI, ...</summary>
    public PathSegment Key { get; }

    /// <summary>The folded value.</summary>
    public object? Value { get; }

    /// <summary>What the key says the object is.</summary>
    public StreamObjectKind Kind { get; }

    /// <summary>The offset of the object's first record in the stream.</summary>
    public long Offset { get; }

    /// <summary>The two numbers of a progress report (or of the marker, which reads as 0 of 0).</summary>
    public bool TryGetProgress(out long checkedCount, out long total)
    {
        checkedCount = total = 0;
        if (Kind == StreamObjectKind.Object || Value is not List<object?> { Count: >= 2 } list || list[0] is not long c || list[1] is not long t)
        {
            return false;
        }

        (checkedCount, total) = (c, t);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Key} at byte {Offset}";
}
