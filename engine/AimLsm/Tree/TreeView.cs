using AimLsm.Kv;
using AimLsm.Encoding;
using AimLsm.Tree.Storage;

namespace AimLsm.Tree;

/// <summary>
/// A lazy view of one node of a run's tree (Aim's <c>TreeView</c>). Creating a view reads nothing; reading its
/// value reads only its subtree's key range, and listing its children skips past each child's subtree without
/// reading it (docs/format.md, section 12.3). Views of a run opened for writing can also set and delete.
/// </summary>
public sealed class TreeView : ITreeView
{
    private readonly Run _run;
    private readonly byte[] _prefix;
    private readonly PathSegment[] _path;

    internal TreeView(Run run, byte[] prefix, PathSegment[] path)
    {
        _run = run;
        _prefix = prefix;
        _path = path;
    }

    /// <summary>The node's path below the run's parameters.</summary>
    public IReadOnlyList<PathSegment> Path => _path;

    /// <summary>A view of a descendant; reads nothing.</summary>
    /// <exception cref="ArgumentException">A segment is an empty string.</exception>
    public TreeView this[params PathSegment[] path]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(path);
            byte[] relative = TreePath.Encode(path);
            return new TreeView(_run, RepoKeys.Concat(_prefix, relative), [.. _path, .. path]);
        }
    }

    ITreeView ITreeView.this[params PathSegment[] path] => this[path];

    /// <summary>Whether anything is stored at or below this node.</summary>
    public bool Exists
    {
        get
        {
            using ReadScope scope = _run.Scope();
            return scope.SeekSubtree(_prefix);
        }
    }

    /// <summary>The node's value, materialized from its subtree (dicts, lists, scalars, <see cref="AimObject"/>s).</summary>
    /// <exception cref="KeyNotFoundException">Nothing is stored at this path.</exception>
    public object? Value => TryRead(out object? value) ? value : throw TreeValues.Missing(_run.Hash, _path);

    /// <summary>The node's value converted to <typeparamref name="T"/> (an int is accepted as a double).</summary>
    /// <exception cref="KeyNotFoundException">Nothing is stored at this path.</exception>
    /// <exception cref="InvalidCastException">The value is of another type; the message names the path and both types.</exception>
    public T Get<T>() => TryRead(out object? value) ? TreeValues.Convert<T>(value, _run.Hash, _path) : throw TreeValues.Missing(_run.Hash, _path);

    /// <summary>The node's value converted to <typeparamref name="T"/>, or <paramref name="fallback"/> when nothing is stored.</summary>
    /// <exception cref="InvalidCastException">The value is of another type.</exception>
    public T Get<T>(T fallback) => TryRead(out object? value) ? TreeValues.Convert<T>(value, _run.Hash, _path) : fallback;

    /// <summary>The names of the node's children, in key order (str keys, then int keys), without reading below them.</summary>
    public IReadOnlyList<PathSegment> Keys
    {
        get
        {
            var keys = new List<PathSegment>();
            using ReadScope scope = _run.Scope();
            for (bool ok = scope.SeekSubtree(_prefix); ok;)
            {
                ReadOnlySpan<byte> relative = scope.Iterator.Key[_prefix.Length..];
                var reader = new TreePathReader(relative);
                if (!reader.MoveNext())
                {
                    ok = scope.NextInSubtree(_prefix); // the node's own record
                    continue;
                }

                keys.Add(reader.Current);

                // Aim's skip: the child's path with its final 0xFE raised to 0xFF sorts after its whole subtree.
                scope.SkipChild(scope.Iterator.Key[..(_prefix.Length + reader.Consumed)]);
                ok = scope.Iterator.Valid && scope.Iterator.Key.StartsWith(_prefix);
            }

            return keys;
        }
    }

    /// <summary>Replaces the subtree with <paramref name="value"/> in one atomic write.</summary>
    /// <exception cref="InvalidOperationException">The run was opened read-only.</exception>
    /// <exception cref="ArgumentException">The value holds an unsupported type or an empty key; nothing is written.</exception>
    public void Set(object? value) => _run.WriteSubtree(_prefix, _path, value);

    /// <summary>Deletes the subtree.</summary>
    /// <exception cref="InvalidOperationException">The run was opened read-only.</exception>
    public void Delete() => _run.DeleteSubtree(_prefix);

    /// <inheritdoc/>
    public override string ToString() => PathSegment.Format(_path);

    internal bool TryRead(out object? value)
    {
        // Most reads (query params, hparams) are one scalar leaf: a point lookup, no iterator, no tree. (A scalar
        // with records below it is malformed; the lookup returns the scalar, the fold below would refuse it.)
        if (_run.TryGetScalar(_prefix, out value))
        {
            return true;
        }

        using ReadScope scope = _run.Scope();
        if (!scope.SeekSubtree(_prefix))
        {
            value = null;
            return false;
        }

        var reader = new TreeReader();
        scope.ReadSubtree(_prefix, reader);
        value = reader.Build();
        return true;
    }
}
