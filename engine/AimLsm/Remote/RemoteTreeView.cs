using System.Collections;
using AimLsm.Encoding;
using AimLsm.Tree;

namespace AimLsm.Remote;

/// <summary>
/// A node of a remote run's parameter tree (<see cref="ITreeView"/>), over the tree its server sent, materialized as
/// a local read materializes it (<see cref="TreeReader"/>: str-keyed, int-keyed and mixed dicts, lists,
/// <see cref="AimObject"/>s, scalars). It answers as a local <see cref="TreeView"/> does: the same conversions and
/// errors (<see cref="TreeValues"/>), children in key order (the tree arrives in key order), and a value that is the
/// caller's (containers and bytes are copied out, as a local read builds a new one each time). Immutable.
/// </summary>
internal sealed class RemoteTreeView : ITreeView
{
    private readonly string _hash;
    private readonly object? _root;
    private readonly PathSegment[] _path;

    /// <summary>The node at <paramref name="path"/> below <paramref name="root"/>, the whole tree of run <paramref name="hash"/>.</summary>
    internal RemoteTreeView(string hash, object? root, PathSegment[] path)
    {
        _hash = hash;
        _root = root;
        _path = path;
    }

    /// <inheritdoc/>
    public IReadOnlyList<PathSegment> Path => _path;

    /// <inheritdoc/>
    public ITreeView this[params PathSegment[] path]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(path);
            foreach (PathSegment segment in path)
            {
                if (segment.IsString && segment.String.Length == 0)
                {
                    throw new ArgumentException($"An empty str cannot be a path segment (Aim's paths do not allow it): {PathSegment.Format(path)}.", nameof(path));
                }
            }

            return new RemoteTreeView(_hash, _root, [.. _path, .. path]);
        }
    }

    /// <inheritdoc/>
    public bool Exists => TryResolve(out _);

    /// <inheritdoc/>
    public object? Value => TryResolve(out object? node) ? Copy(node) : throw TreeValues.Missing(_hash, _path);

    /// <inheritdoc/>
    public T Get<T>() => TryResolve(out object? node) ? TreeValues.Convert<T>(Copy(node), _hash, _path) : throw TreeValues.Missing(_hash, _path);

    /// <inheritdoc/>
    public T Get<T>(T fallback) => TryResolve(out object? node) ? TreeValues.Convert<T>(Copy(node), _hash, _path) : fallback;

    /// <inheritdoc/>
    public IReadOnlyList<PathSegment> Keys
    {
        get
        {
            if (!TryResolve(out object? node))
            {
                return [];
            }

            var keys = new List<PathSegment>();
            switch (node)
            {
                case Dictionary<string, object?> byString:
                    keys.AddRange(byString.Keys.Select(k => (PathSegment)k));
                    break;
                case Dictionary<long, object?> byInt:
                    keys.AddRange(byInt.Keys.Select(k => (PathSegment)k));
                    break;
                case Dictionary<object, object?> mixed:
                    // A local read lists str keys before int keys (their encoded order).
                    keys.AddRange(mixed.Keys.OfType<string>().Select(k => (PathSegment)k));
                    keys.AddRange(mixed.Keys.OfType<long>().Select(k => (PathSegment)k));
                    break;
                case List<object?> list:
                    for (int i = 0; i < list.Count; i++)
                    {
                        keys.Add(i);
                    }

                    break;
                case AimObject obj:
                    keys.AddRange(obj.Fields.Keys.Select(k => (PathSegment)k));
                    break;
            }

            return keys;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => PathSegment.Format(_path);

    /// <summary>Finds the node at the path; false when nothing is stored there.</summary>
    private bool TryResolve(out object? node)
    {
        node = _root;
        foreach (PathSegment segment in _path)
        {
            bool found;
            (found, node) = node switch
            {
                Dictionary<string, object?> byString when segment.IsString => (byString.TryGetValue(segment.String, out object? v), v),
                Dictionary<long, object?> byInt when segment.IsInt => (byInt.TryGetValue(segment.Int, out object? v), v),
                Dictionary<object, object?> mixed => (mixed.TryGetValue(segment.IsString ? segment.String : segment.Int, out object? v), v),
                List<object?> list when segment.IsInt && segment.Int >= 0 && segment.Int < list.Count => (true, list[(int)segment.Int]),
                AimObject obj when segment.IsString => (obj.Fields.TryGetValue(segment.String, out object? v), v),
                _ => (false, null),
            };
            if (!found)
            {
                node = null;
                return false;
            }
        }

        return true;
    }

    /// <summary>A deep copy of the mutable parts of <paramref name="node"/> (containers, bytes); scalars as they are.</summary>
    private static object? Copy(object? node)
    {
        switch (node)
        {
            case Dictionary<string, object?> byString:
                var copiedByString = new Dictionary<string, object?>(byString.Count, StringComparer.Ordinal);
                foreach ((string key, object? value) in byString)
                {
                    copiedByString[key] = Copy(value);
                }

                return copiedByString;
            case Dictionary<long, object?> byInt:
                var copiedByInt = new Dictionary<long, object?>(byInt.Count);
                foreach ((long key, object? value) in byInt)
                {
                    copiedByInt[key] = Copy(value);
                }

                return copiedByInt;
            case Dictionary<object, object?> mixed:
                var copiedMixed = new Dictionary<object, object?>(mixed.Count);
                foreach ((object key, object? value) in mixed)
                {
                    copiedMixed[key] = Copy(value);
                }

                return copiedMixed;
            case List<object?> list:
                var copiedList = new List<object?>(list.Count);
                foreach (object? value in list)
                {
                    copiedList.Add(Copy(value));
                }

                return copiedList;
            case AimObject obj:
                var copiedObject = new AimObject(obj.TypeName);
                foreach ((string key, object? value) in obj.Fields)
                {
                    copiedObject.Fields[key] = Copy(value);
                }

                return copiedObject;
            case byte[] bytes:
                return bytes.Clone();
            case IList or IDictionary:
                throw new InvalidOperationException($"A tree node of a type a tree read does not build: {node.GetType()}.");
            default:
                return node;
        }
    }
}
