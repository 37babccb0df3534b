using System.Buffers;
using System.Collections;
using AimLsm.Tree;
using AimLsm.Encoding;
using AimLsm.Tree.Storage;

namespace AimLsm.Streaming;

/// <summary>
/// Prepares a sequence's objects for the stream, in place (docs/format.md, section 14.5): an <see cref="AimBlob"/>
/// field becomes its value when its encoding is at most the inline limit, else a blob reference
/// <c>{'type': 'blob_ref', 'uri': ...}</c>; with <c>objectsAsDicts</c> an <see cref="AimObject"/> becomes a plain dict
/// of its fields (what Aim's UI decoder understands). The objects must be the caller's own (fresh from a read).
/// Names and reads blobs only through the tree's storage seam (<see cref="SequenceBlobs"/>, <see cref="BlobReader"/>).
/// Holds one engine lease, taken at the first blob it reads; dispose it after the chunk. Not thread-safe.
/// </summary>
internal sealed class ObjectPreparer : IDisposable
{
    private readonly Run _run;
    private readonly SequenceBlobs _blobs;
    private readonly int _inlineLimit;
    private readonly bool _objectsAsDicts;
    private readonly PathBuilder _field;
    private readonly ArrayBufferWriter<byte> _buffer;
    private StoreLease? _lease;
    private long _step;

    public ObjectPreparer(Run run, SequenceInfo info, StreamOptions options, PathBuilder field, ArrayBufferWriter<byte> buffer)
    {
        _run = run;
        _blobs = new SequenceBlobs(run.Hash, info.Context.Id, info.Name);
        _inlineLimit = options.InlineBlobLimit;
        _objectsAsDicts = options.CustomObjectsAsDicts;
        _field = field;
        _buffer = buffer;
    }

    /// <summary>The value of the record at <paramref name="step"/>, prepared.</summary>
    public object? Prepare(object? value, long step)
    {
        _step = step;
        _field.Clear();
        return Visit(value);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _lease?.Dispose();
        _lease = null;
    }

    private object? Visit(object? value)
    {
        switch (value)
        {
            case AimBlob:
                return Blob();
            case AimObject obj:
                VisitEntries(obj.Fields);
                return _objectsAsDicts ? new Dictionary<string, object?>(obj.Fields, StringComparer.Ordinal) : obj;
            case IDictionary dict:
                VisitEntries(dict);
                return dict;
            case IList list:
                for (int i = 0; i < list.Count; i++)
                {
                    int mark = _field.Push(i);
                    object? item = list[i];
                    object? resolved = Visit(item);
                    if (!ReferenceEquals(item, resolved))
                    {
                        list[i] = resolved;
                    }

                    _field.Truncate(mark);
                }

                return list;
            default:
                return value;
        }
    }

    private void VisitEntries(IDictionary dict)
    {
        List<(object Key, object? Value)>? changes = null;
        foreach (DictionaryEntry entry in dict)
        {
            if (entry.Value is not (AimBlob or IDictionary or IList or AimObject))
            {
                continue; // a scalar: nothing below it
            }

            int mark = _field.Push(entry.Key switch
            {
                string s => new PathSegment(s),
                long l => new PathSegment(l),
                int i => new PathSegment(i),
                _ => new PathSegment(Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
            });
            object? resolved = Visit(entry.Value);
            if (!ReferenceEquals(resolved, entry.Value))
            {
                (changes ??= []).Add((entry.Key, resolved));
            }

            _field.Truncate(mark);
        }

        foreach ((object key, object? value) in changes ?? [])
        {
            dict[key] = value;
        }
    }

    private object? Blob()
    {
        BlobKey key = _blobs.At(_step, _field.Span);
        if (_inlineLimit > 0)
        {
            _lease ??= _run.Lease();
            _buffer.ResetWrittenCount();
            if (_lease.Value.Blobs.TryRead(key, _buffer) && _buffer.WrittenCount <= _inlineLimit)
            {
                return AimValue.Parse(_buffer.WrittenSpan).ToScalar();
            }
        }

        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [StreamFormat.TypeField] = StreamFormat.BlobRefType,
            [StreamFormat.UriField] = BlobUri.Format(key),
        };
    }
}
