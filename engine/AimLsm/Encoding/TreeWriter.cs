using System.Buffers;
using System.Collections;

namespace AimLsm.Encoding;

/// <summary>
/// Flattens a nested .NET value into (path, value) records the way Aim's <c>unfold_tree</c> does
/// (docs/format.md, section 12.4); storing every record under its path is how a nested dict becomes a subtree.
/// <list type="bullet">
/// <item>null, bool, integers, float, double, string, byte[]: one record at the node's path;</item>
/// <item><see cref="IList"/> (arrays, <c>List&lt;T&gt;</c>): a list marker, then each element at int segment 0..n-1;</item>
/// <item><see cref="IDictionary"/> with string, int or long keys: the entries as children; only an empty dict
/// writes a dict marker (as Aim does; readers synthesize the others);</item>
/// <item><see cref="AimObject"/>: a custom-object marker with its type name, then its fields as children.</item>
/// </list>
/// Records come parent first, children in the container's own order (not key order). The path and value buffers
/// are reused across records and calls, so the encoding itself allocates nothing per record; walking the .NET value
/// may (non-generic dictionary enumerators box their entries). Not thread-safe.
/// </summary>
internal sealed class TreeWriter
{
    /// <summary>The deepest nesting accepted below the prefix; deeper values are rejected (most likely a cycle).</summary>
    public const int MaxDepth = 256;

    private readonly ArrayBufferWriter<byte> _value = new(64);
    private byte[] _path = new byte[256];
    private int _pathLength;

    /// <summary>Bytes held by the reused buffers (grown by the largest path and value seen), for a caller that caches
    /// a writer to decide whether to keep it.</summary>
    internal int BufferBytes => _value.Capacity + _path.Length;

    /// <summary>Flattens <paramref name="value"/> stored at the encoded path <paramref name="prefix"/> into <paramref name="sink"/>.</summary>
    /// <exception cref="ArgumentException">
    /// The prefix is not a complete encoded path, or the value holds an unsupported .NET type, an empty or invalid
    /// key, or is nested deeper than <see cref="MaxDepth"/>; the message names the path and the type.
    /// </exception>
    public void Flatten<TSink>(object? value, ReadOnlySpan<byte> prefix, ref TSink sink)
        where TSink : ITreeSink, allows ref struct
    {
        if (!prefix.IsEmpty && prefix[^1] != TreePath.Separator)
        {
            throw new ArgumentException("The prefix must be a complete encoded path (ending in 0xFE) or empty.", nameof(prefix));
        }

        EnsurePathCapacity(prefix.Length);
        prefix.CopyTo(_path);
        _pathLength = prefix.Length;
        _value.ResetWrittenCount();
        Visit(value, 0, ref sink);
    }

    /// <summary>Flattens <paramref name="value"/> stored at <paramref name="prefix"/>, calling <paramref name="handler"/> per record.</summary>
    /// <exception cref="ArgumentException">As <see cref="Flatten{TSink}(object?, ReadOnlySpan{byte}, ref TSink)"/>.</exception>
    public void Flatten(object? value, ReadOnlySpan<byte> prefix, TreeRecordHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var sink = new HandlerSink(handler);
        Flatten(value, prefix, ref sink);
    }

    private void Visit<TSink>(object? value, int depth, ref TSink sink)
        where TSink : ITreeSink, allows ref struct
    {
        if (depth > MaxDepth)
        {
            throw new ArgumentException($"The value is nested deeper than {MaxDepth} levels at path {CurrentPath()} (a cycle?).", nameof(value));
        }

        switch (value)
        {
            case null: AimValueWriter.WriteNone(_value); break;
            case bool b: AimValueWriter.WriteBool(_value, b); break;
            case long l: AimValueWriter.WriteInt(_value, l); break;
            case int i: AimValueWriter.WriteInt(_value, i); break;
            case short s: AimValueWriter.WriteInt(_value, s); break;
            case sbyte sb: AimValueWriter.WriteInt(_value, sb); break;
            case byte by: AimValueWriter.WriteInt(_value, by); break;
            case ushort us: AimValueWriter.WriteInt(_value, us); break;
            case uint ui: AimValueWriter.WriteInt(_value, ui); break;
            case ulong ul when ul <= long.MaxValue: AimValueWriter.WriteInt(_value, (long)ul); break;
            case double d: AimValueWriter.WriteFloat(_value, d); break;
            case float f: AimValueWriter.WriteFloat(_value, f); break;
            case string str:
                try
                {
                    AimValueWriter.WriteString(_value, str);
                }
                catch (ArgumentException ex)
                {
                    throw new ArgumentException($"The string at path {CurrentPath()} cannot be encoded: {ex.Message}", ex);
                }

                break;
            case byte[] bytes: AimValueWriter.WriteBytes(_value, bytes); break;
            case AimObject obj:
                AimValueWriter.WriteCustomObject(_value, obj.TypeName);
                Emit(ref sink);
                foreach (KeyValuePair<string, object?> field in obj.Fields)
                {
                    VisitChild(field.Key, field.Value, depth, ref sink);
                }

                return;
            case IDictionary dict:
                if (dict.Count == 0)
                {
                    AimValueWriter.WriteDictMarker(_value);
                    break;
                }

                foreach (DictionaryEntry entry in dict)
                {
                    PathSegment key = entry.Key switch
                    {
                        string s => s,
                        int i => i,
                        long l => l,
                        _ => throw new ArgumentException(
                            $"A dict key of .NET type {entry.Key.GetType()} at path {CurrentPath()} is not supported; keys are string, int or long.",
                            nameof(value)),
                    };
                    VisitChild(key, entry.Value, depth, ref sink);
                }

                return;
            case IList list:
                AimValueWriter.WriteListMarker(_value);
                Emit(ref sink);
                for (int i = 0; i < list.Count; i++)
                {
                    VisitChild(i, list[i], depth, ref sink);
                }

                return;
            default:
                throw new ArgumentException(
                    $"A value of .NET type {value.GetType()} at path {CurrentPath()} cannot be stored; supported are null, bool, " +
                    "integers up to int64, float, double, string, byte[], IList, IDictionary and AimObject.",
                    nameof(value));
        }

        Emit(ref sink);
    }

    private void VisitChild<TSink>(PathSegment key, object? child, int depth, ref TSink sink)
        where TSink : ITreeSink, allows ref struct
    {
        int saved = _pathLength;
        if (key.IsString && key.String.Length == 0)
        {
            throw new ArgumentException($"An empty string key under path {CurrentPath()}; Aim paths do not allow empty str segments.");
        }

        EnsurePathCapacity(_pathLength + (key.IsInt ? TreePath.IntSegmentLength : System.Text.Encoding.UTF8.GetMaxByteCount(key.String.Length) + 1));
        try
        {
            _pathLength += TreePath.WriteSegment(_path.AsSpan(_pathLength), key, depth);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"Key {key} under path {CurrentPath()} cannot be encoded: {ex.Message}", ex);
        }

        Visit(child, depth + 1, ref sink);
        _pathLength = saved;
    }

    private void Emit<TSink>(ref TSink sink)
        where TSink : ITreeSink, allows ref struct
    {
        sink.Add(_path.AsSpan(0, _pathLength), _value.WrittenSpan);
        _value.ResetWrittenCount();
    }

    private void EnsurePathCapacity(int needed)
    {
        if (needed > _path.Length)
        {
            Array.Resize(ref _path, Math.Max(needed, _path.Length * 2));
        }
    }

    private string CurrentPath() => PathSegment.Format(TreePath.Decode(_path.AsSpan(0, _pathLength)));

    private readonly struct HandlerSink(TreeRecordHandler handler) : ITreeSink
    {
        public void Add(ReadOnlySpan<byte> path, ReadOnlySpan<byte> value) => handler(path, value);
    }
}
