using AimLsm.Encoding;

namespace AimLsm.Tree;

/// <summary>
/// A read-only view of one node of a run's parameter tree, whichever back end holds the run: a local run's
/// <see cref="TreeView"/> (which reads only the node's keys), or a remote run's (over the tree its server sent). Code
/// written against it reads <c>run.Tree["hparams", "lr"].Get&lt;double&gt;()</c> the same way from either.
/// </summary>
public interface ITreeView
{
    /// <summary>The node's path below the run's parameters.</summary>
    IReadOnlyList<PathSegment> Path { get; }

    /// <summary>A view of a descendant; reads nothing.</summary>
    /// <exception cref="ArgumentException">A segment is an empty string.</exception>
    ITreeView this[params PathSegment[] path] { get; }

    /// <summary>Whether anything is stored at or below this node.</summary>
    bool Exists { get; }

    /// <summary>The node's value: dicts, lists, scalars, <see cref="AimObject"/>s.</summary>
    /// <exception cref="KeyNotFoundException">Nothing is stored at this path.</exception>
    object? Value { get; }

    /// <summary>The node's value converted to <typeparamref name="T"/> (an int is accepted as a double).</summary>
    /// <exception cref="KeyNotFoundException">Nothing is stored at this path.</exception>
    /// <exception cref="InvalidCastException">The value is of another type; the message names the path and both types.</exception>
    T Get<T>();

    /// <summary>The node's value converted to <typeparamref name="T"/>, or <paramref name="fallback"/> when nothing is stored.</summary>
    /// <exception cref="InvalidCastException">The value is of another type.</exception>
    T Get<T>(T fallback);

    /// <summary>The names of the node's children, in key order (str keys, then int keys).</summary>
    IReadOnlyList<PathSegment> Keys { get; }
}
