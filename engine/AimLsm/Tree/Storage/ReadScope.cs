using System.Buffers;
using AimLsm.Kv;
using AimLsm.Encoding;

namespace AimLsm.Tree.Storage;

/// <summary>
/// An iterator to read a run's keys with: either one shared by a whole query enumeration (so that evaluating a
/// query over ten thousand runs costs seeks, not ten thousand iterator creations), or one of its own. Dispose it;
/// disposing a shared scope does nothing.
/// </summary>
internal readonly struct ReadScope : IDisposable
{
    private readonly StoreLease? _lease;

    public ReadScope(Iterator iterator, StoreLease? ownedLease)
    {
        Iterator = iterator;
        _lease = ownedLease;
    }

    public Iterator Iterator { get; }


    /// <summary>Positions on the first key of the subtree <paramref name="prefix"/>; false when it is empty.</summary>
    public bool SeekSubtree(ReadOnlySpan<byte> prefix)
    {
        Iterator.Seek(prefix);
        return InSubtree(prefix);
    }

    /// <summary>Moves to the next key of the subtree; false past its end.</summary>
    public bool NextInSubtree(ReadOnlySpan<byte> prefix)
    {
        Iterator.Next();
        return InSubtree(prefix);
    }

    /// <summary>Skips the rest of the child whose encoded path (with the prefix) is <paramref name="child"/>.</summary>
    public void SkipChild(ReadOnlySpan<byte> child)
    {
        Span<byte> next = child.Length <= 512 ? stackalloc byte[child.Length] : new byte[child.Length];
        child.CopyTo(next);
        next[^1] = TreePath.SubtreeEnd;
        Iterator.Seek(next);
    }

    /// <summary>Feeds the subtree at <paramref name="prefix"/> into a reader; false when it is empty.</summary>
    public bool ReadSubtree(ReadOnlySpan<byte> prefix, TreeReader reader)
    {
        for (bool ok = SeekSubtree(prefix); ok; ok = NextInSubtree(prefix))
        {
            reader.Add(Iterator.Key[prefix.Length..], Iterator.Value);
        }

        return !reader.IsEmpty;
    }

    public void Dispose()
    {
        if (_lease is { } lease)
        {
            Iterator.Dispose();
            lease.Dispose();
        }
    }

    private bool InSubtree(ReadOnlySpan<byte> prefix) => Iterator.Valid && Iterator.Key.StartsWith(prefix);
}

/// <summary>One iterator shared by the views of a query enumeration, usable only from the thread that made it.</summary>
internal sealed class SharedReader : IDisposable
{
    private readonly StoreLease _lease;

    private readonly Snapshot _snapshot;

    public SharedReader(StoreLease lease)
    {
        _lease = lease;
        _snapshot = lease.Db.GetSnapshot();
        PointReads = new ReadOptions { Snapshot = _snapshot };
        Iterator = lease.Db.NewIterator(new ReadOptions { Snapshot = _snapshot });
        ThreadId = Environment.CurrentManagedThreadId;
    }

    public Db Db => _lease.Db;

    /// <summary>Read options at the iterator's snapshot, for point lookups beside it.</summary>
    public ReadOptions PointReads { get; }

    public Iterator Iterator { get; }

    public int ThreadId { get; }

    public void Dispose()
    {
        Iterator.Dispose();
        _snapshot.Dispose();
        _lease.Dispose();
    }
}

/// <summary>Point lookups of single tree records, beside the iterators of <see cref="ReadScope"/>.</summary>
internal static class PointReader
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_value;

    /// <summary>
    /// The scalar stored exactly at <paramref name="path"/>, by a point lookup: bloom filters skip the table files
    /// that cannot hold it, where a seek positions in every one, and no iterator is built. False when nothing is
    /// stored there or the record is a list, dict or object marker (then read the subtree). A query reads most
    /// params this way.
    /// </summary>
    public static bool TryGetScalar(Db db, ReadOptions? options, ReadOnlySpan<byte> path, out object? value)
    {
        value = null;
        ArrayBufferWriter<byte> buffer = t_value ??= new ArrayBufferWriter<byte>(64);
        buffer.ResetWrittenCount();
        if (!db.TryGet(path, buffer, options))
        {
            return false;
        }

        var parsed = AimValue.Parse(buffer.WrittenSpan);
        if (parsed.Type is AimType.List or AimType.Dict or AimType.CustomObject)
        {
            return false;
        }

        value = parsed.ToScalar();
        return true;
    }
}
