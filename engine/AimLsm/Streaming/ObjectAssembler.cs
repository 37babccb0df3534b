using System.Buffers;
using AimLsm.Encoding;

namespace AimLsm.Streaming;

/// <summary>
/// Groups records by their first path segment into top-level objects and folds each object's records into a value
/// (docs/format.md, section 14.2), like Aim's <c>iterFoldTree(level=1)</c>. Records of an object may come in any order
/// in which a parent precedes its children (Aim writes them in dict insertion order); they are sorted into key
/// order, if they are not in it already, and folded by <see cref="TreeReader"/>. A bytes value is copied out of the
/// pipe once, straight into the byte[] the folded value holds. Not thread-safe.
/// </summary>
internal sealed class ObjectAssembler : RecordConsumer<StreamObject>
{
    private readonly List<Entry> _entries = [];
    private byte[]? _top;
    private long _offset;
    private bool _sorted;

    /// <inheritdoc/>
    public override void Add(in ReadOnlySequence<byte> key, in ReadOnlySequence<byte> value, long offset)
    {
        byte[] path = key.ToArray();
        int topLength = CheckPath(path, offset);
        if (_top is null || !path.AsSpan(0, topLength).SequenceEqual(_top))
        {
            Finish();
            _top = path[..topLength];
            _offset = offset;
            _sorted = true;
        }

        if (value.IsEmpty)
        {
            throw new StreamFormatException(offset, "a record has an empty value (Aim's blob sentinel has no meaning in a stream).");
        }

        var relative = new ReadOnlyMemory<byte>(path, topLength, path.Length - topLength);
        Entry entry;
        if (value.FirstSpan[0] == (byte)AimType.Bytes)
        {
            entry = new Entry(relative, null, value.Slice(1).ToArray(), offset);
        }
        else
        {
            byte[] encoded = value.ToArray();
            try
            {
                AimValue.Parse(encoded);
            }
            catch (AimFormatException e)
            {
                throw new StreamFormatException(offset, $"the value of record {Describe(path)} is malformed: {e.Message}", e);
            }

            entry = new Entry(relative, encoded, null, offset);
        }

        if (_entries.Count > 0 && relative.Span.SequenceCompareTo(_entries[^1].Path.Span) < 0)
        {
            _sorted = false;
        }

        _entries.Add(entry);
    }

    /// <summary>Folds the object in progress, if any, into <see cref="RecordConsumer{T}.Ready"/>.</summary>
    /// <exception cref="StreamFormatException">Its records do not fold into a tree, or it is a marker of a newer version.</exception>
    public override void Finish()
    {
        if (_top is null)
        {
            return;
        }

        if (!_sorted)
        {
            // Stable: equal paths (a duplicate, which the fold rejects) keep their order.
            var order = new int[_entries.Count];
            for (int i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            Entry[] entries = [.. _entries];
            Array.Sort(order, (a, b) =>
            {
                int c = entries[a].Path.Span.SequenceCompareTo(entries[b].Path.Span);
                return c != 0 ? c : a.CompareTo(b);
            });
            _entries.Clear();
            foreach (int i in order)
            {
                _entries.Add(entries[i]);
            }
        }

        var tree = new TreeReader();
        foreach (Entry entry in _entries)
        {
            try
            {
                if (entry.Bytes is not null)
                {
                    tree.AddScalar(entry.Path.Span, entry.Bytes);
                }
                else
                {
                    tree.Add(entry.Path.Span, entry.Encoded);
                }
            }
            catch (AimFormatException e)
            {
                throw new StreamFormatException(entry.Offset, $"the records of object {Describe(_top)} do not fold into a tree: {e.Message}", e);
            }
        }

        PathSegment key = TreePath.Decode(_top)[0];
        object? value = tree.Build();
        StreamObjectKind kind = key.IsString && key.String == StreamFormat.MarkerKey ? StreamObjectKind.Marker
            : key.IsString && key.String.StartsWith(StreamFormat.ProgressPrefix, StringComparison.Ordinal) ? StreamObjectKind.Progress
            : StreamObjectKind.Object;
        if (kind == StreamObjectKind.Marker)
        {
            CheckMarker(value, _offset);
        }

        Ready.Add(new StreamObject(key, value, kind, _offset));
        _entries.Clear();
        _top = null;
    }

    private static void CheckMarker(object? value, long offset)
    {
        if (value is not List<object?> { Count: >= 3 } list || list[2] is not long version || version < 1)
        {
            throw new StreamFormatException(offset, $"the marker {StreamFormat.MarkerKey} must be a list [0, 0, version >= 1].");
        }

        if (version > StreamFormat.Version)
        {
            throw new StreamFormatException(offset,
                $"the stream has format version {version}; this build reads versions up to {StreamFormat.Version}. Upgrade AimLsm.");
        }
    }

    /// <summary>Validates the whole path; returns the length of its first segment.</summary>
    private static int CheckPath(byte[] path, long offset)
    {
        try
        {
            var reader = new TreePathReader(path);
            if (!reader.MoveNext())
            {
                throw new StreamFormatException(offset, "a record has an empty key; every record of a stream belongs to a top-level key.");
            }

            int top = reader.Consumed;
            _ = reader.Current; // checks a str key is UTF-8
            while (reader.MoveNext())
            {
            }

            return top;
        }
        catch (AimFormatException e)
        {
            throw new StreamFormatException(offset, $"a record's key is not a valid path: {e.Message}", e);
        }
    }

    private static string Describe(ReadOnlySpan<byte> path)
    {
        try
        {
            return PathSegment.Format(TreePath.Decode(path));
        }
        catch (AimFormatException)
        {
            return Convert.ToHexString(path);
        }
    }

    private readonly record struct Entry(ReadOnlyMemory<byte> Path, byte[]? Encoded, byte[]? Bytes, long Offset);
}
