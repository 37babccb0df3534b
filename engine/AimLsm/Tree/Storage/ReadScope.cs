using System.Buffers;
using AimLsm.Kv;
using AimLsm.Encoding;

namespace AimLsm.Tree.Storage;

/// <summary>
/// One read of a run's keys: an iterator, either rented from the run's query scope (<see cref="ReadSnapshot"/>, so
/// that every read of the query sees one snapshot and evaluating it over ten thousand runs costs seeks, not ten
/// thousand iterator creations), or one of its own at the latest state, or the caller's. Dispose it: that returns a
/// rented iterator, releases an own one, and leaves the caller's alone. One thread at a time.
/// </summary>
internal readonly struct ReadScope : IDisposable
{
    private readonly StoreLease? _lease;
    private readonly ReadSnapshot? _snapshot;
    private readonly Db? _db;

    /// <summary>Reads through <paramref name="iterator"/>; with <paramref name="ownedLease"/>, the scope owns both and
    /// disposes them, else the caller does and <see cref="Get"/> is not available.</summary>
    public ReadScope(Iterator iterator, StoreLease? ownedLease)
    {
        Iterator = iterator;
        _lease = ownedLease;
        _db = ownedLease?.Db;
    }

    /// <summary>Reads at <paramref name="snapshot"/>, which the caller entered (<see cref="ReadSnapshot.TryEnter"/>);
    /// disposing the scope returns the iterator and exits it.</summary>
    public ReadScope(ReadSnapshot snapshot)
    {
        _snapshot = snapshot;
        _db = snapshot.Db;
        try
        {
            Iterator = snapshot.Rent();
        }
        catch
        {
            snapshot.Exit();
            throw;
        }
    }

    public Iterator Iterator { get; }

    /// <summary>The value stored at <paramref name="key"/>, read at the same state as <see cref="Iterator"/>, or null.</summary>
    public byte[]? Get(ReadOnlySpan<byte> key) =>
        (_db ?? throw new InvalidOperationException("This read scope reads through the caller's iterator only."))
        .Get(key, _snapshot?.Reads);

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
        if (_snapshot is { } snapshot)
        {
            snapshot.Return(Iterator);
            snapshot.Exit();
        }
        else if (_lease is { } lease)
        {
            Iterator.Dispose();
            lease.Dispose();
        }
    }

    private bool InSubtree(ReadOnlySpan<byte> prefix) => Iterator.Valid && Iterator.Key.StartsWith(prefix);
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
