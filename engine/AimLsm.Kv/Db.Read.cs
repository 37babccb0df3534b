using AimLsm.Kv;
using System.Buffers;
using AimLsm.Kv.Iteration;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Memtable;
using AimLsm.Kv.RangeDel;
using AimLsm.Kv.Sst;
using AimLsm.Kv.Versions;

namespace AimLsm.Kv;

public sealed partial class Db
{
    /// <summary>The value of <paramref name="key"/>, or null when it is absent or deleted.</summary>
    public byte[]? Get(ReadOnlySpan<byte> key, ReadOptions? options = null)
    {
        var sink = new ArraySink();
        return GetCore(key, options, ref sink) ? sink.Result : null;
    }

    /// <summary>
    /// Copies the value of <paramref name="key"/> into <paramref name="destination"/> and returns true, or returns false
    /// when the key is absent. The value is copied once; nothing else is allocated.
    /// </summary>
    public bool TryGet(ReadOnlySpan<byte> key, IBufferWriter<byte> destination, ReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var sink = new WriterSink(destination);
        return GetCore(key, options, ref sink);
    }

    private bool GetCore<TSink>(ReadOnlySpan<byte> key, ReadOptions? options, ref TSink sink)
        where TSink : struct, IValueSink
    {
        ThrowIfDisposed();
        // The super version first, then the sequence (RocksDB's order). Reading at the latest sequence registers no
        // snapshot, so compaction may drop versions visible at a sequence read earlier, keeping only newer ones: had
        // the sequence been read first, a compaction installed in between could leave nothing visible to this read.
        // This way every file the super version holds has all its versions, and anything missed was written
        // concurrently with the read. An explicit snapshot is registered, so compaction keeps what it sees.
        SuperVersion sv = AcquireSuperVersion();
        try
        {
            ulong snapshot = SnapshotSequence(options);
            return GetFrom(sv, key, snapshot, options?.FillCache ?? true, ref sink);
        }
        finally
        {
            sv.Release();
        }
    }

    private bool GetFrom<TSink>(SuperVersion sv, ReadOnlySpan<byte> key, ulong snapshot, bool fillCache, ref TSink sink)
        where TSink : struct, IValueSink
    {
        // Sources from newest to oldest: every entry in a newer source has a higher sequence number than any entry
        // of the same key in an older one, so the first source that has the key, or a tombstone over it, decides.
        // One hash of the key serves every filter: the memtables' and the tables' bloom filters take the same one.
        ulong hash = BloomFilter.KeyHash(key);
        switch (GetFromMemTable(sv.Mem, key, hash, snapshot, ref sink))
        {
            case Lookup.Found: return true;
            case Lookup.Deleted: return false;
        }
        foreach (MemTable imm in sv.Imms)
        {
            switch (GetFromMemTable(imm, key, hash, snapshot, ref sink))
            {
                case Lookup.Found: return true;
                case Lookup.Deleted: return false;
            }
        }

        int seekLength = key.Length + InternalKey.TrailerSize;
        byte[]? rented = null;
        Span<byte> seekKey = seekLength <= 512 ? stackalloc byte[seekLength] : (rented = ArrayPool<byte>.Shared.Rent(seekLength)).AsSpan(0, seekLength);
        try
        {
            InternalKey.Write(seekKey, key, snapshot, EntryType.ForSeek);
            Kv.Versions.Version v = sv.Version;
            IReadOnlyList<FileMetadata> level0 = v.Files(0);
            for (int i = 0; i < level0.Count; i++)
            {
                if (level0[i].MayContain(key))
                {
                    switch (GetFromTable(level0[i], key, seekKey, hash, snapshot, fillCache, ref sink))
                    {
                        case Lookup.Found: return true;
                        case Lookup.Deleted: return false;
                    }
                }
            }
            for (int level = 1; level < Kv.Versions.Version.NumLevels; level++)
            {
                FileMetadata? f = FindFile(v.Files(level), key, seekKey);
                if (f is not null)
                {
                    switch (GetFromTable(f, key, seekKey, hash, snapshot, fillCache, ref sink))
                    {
                        case Lookup.Found: return true;
                        case Lookup.Deleted: return false;
                    }
                }
            }
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private enum Lookup
    {
        NotHere,
        Found,
        Deleted,
    }

    private static Lookup GetFromMemTable<TSink>(MemTable mem, ReadOnlySpan<byte> key, ulong hash, ulong snapshot, ref TSink sink)
        where TSink : struct, IValueSink
    {
        ulong covering = mem.Tombstones.MaxCoveringSequence(key, snapshot);
        if (mem.Get(key, hash, snapshot, out EntryType type, out ulong seq, out ReadOnlySpan<byte> value) && seq > covering)
        {
            if (type == EntryType.Value)
            {
                sink.SetValue(value);
                return Lookup.Found;
            }
            return Lookup.Deleted;
        }
        return covering > 0 ? Lookup.Deleted : Lookup.NotHere;
    }

    private Lookup GetFromTable<TSink>(FileMetadata file, ReadOnlySpan<byte> key, ReadOnlySpan<byte> seekKey, ulong hash, ulong snapshot, bool fillCache, ref TSink sink)
        where TSink : struct, IValueSink
    {
        TableCache.Entry entry = _tables.Acquire(file);
        try
        {
            TableReader table = entry.Reader;
            ulong covering = table.Tombstones.MaxCoveringSequence(key, snapshot);
            if (table.Get(seekKey, hash, covering, out EntryType type, out _, ref sink, fillCache))
            {
                return type == EntryType.Value ? Lookup.Found : Lookup.Deleted;
            }
            return covering > 0 ? Lookup.Deleted : Lookup.NotHere;
        }
        finally
        {
            entry.Release();
        }
    }

    /// <summary>
    /// In a sorted, non-overlapping level, the file whose range may hold <paramref name="key"/>: the first whose
    /// largest internal key is at or after the seek key. Internal keys matter here: a file whose range ends with a
    /// range tombstone clipped at key k has the sentinel (k, max sequence) as its largest key, which sorts before
    /// every real entry of k, so the lookup moves on to the next file, where k's entries are.
    /// </summary>
    private static FileMetadata? FindFile(IReadOnlyList<FileMetadata> files, ReadOnlySpan<byte> key, ReadOnlySpan<byte> seekKey)
    {
        int lo = 0, hi = files.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (InternalKey.Compare(files[mid].Largest, seekKey) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return files.Count > 0 && files[lo].MayContain(key) ? files[lo] : null;
    }

    private ulong SnapshotSequence(ReadOptions? options)
    {
        Snapshot? s = options?.Snapshot;
        if (s is null)
        {
            return Volatile.Read(ref _lastSequence);
        }
        if (s.Owner != this)
        {
            Common.ThrowHelper.ThrowArgument("The snapshot belongs to another database.", nameof(options));
        }
        if (s.IsReleased)
        {
            Common.ThrowHelper.ThrowObjectDisposed(nameof(Snapshot));
        }
        return s.Sequence;
    }

    /// <summary>
    /// A new iterator over a consistent view: the snapshot's, or the latest state when none is given.
    /// It starts not valid: call a Seek method first.
    /// </summary>
    public Iterator NewIterator(ReadOptions? options = null)
    {
        ThrowIfDisposed();
        options ??= ReadOptions.Default;
        // The super version before the sequence, for the reason GetCore gives.
        SuperVersion sv = AcquireSuperVersion();
        ulong snapshot;
        try
        {
            snapshot = SnapshotSequence(options);
        }
        catch
        {
            sv.Release();
            throw;
        }
        var resources = new IteratorResources(this, sv);
        var children = new List<InternalIterator>();
        try
        {
            children.Add(sv.Mem.NewIterator());
            foreach (MemTable imm in sv.Imms)
            {
                children.Add(imm.NewIterator());
            }
            foreach (FileMetadata f in sv.Version.AllFiles)
            {
                TableCache.Entry e = _tables.Acquire(f);
                resources.Tables.Add(e);
                children.Add(e.Reader.NewIterator(options.FillCache));
            }
        }
        catch
        {
            foreach (InternalIterator c in children)
            {
                c.Dispose();
            }
            resources.Dispose();
            throw;
        }
        var tombstones = new IteratorTombstones(sv.Mem.Tombstones, sv.FrozenTombstones(resources.Tables));
        return new Iterator(this, new MergingIterator([.. children]), snapshot, tombstones, options, resources);
    }

    /// <summary>What an iterator holds and gives back on dispose: its super version and its open tables.</summary>
    internal sealed class IteratorResources(Db db, SuperVersion sv) : IDisposable
    {
        public List<TableCache.Entry> Tables { get; } = [];

        private bool _released;

        public void Dispose()
        {
            if (_released)
            {
                return;
            }
            _released = true;
            foreach (TableCache.Entry e in Tables)
            {
                e.Release();
            }
            sv.Release();
            // Files this iterator kept alive may have become obsolete with it.
            if (!db.IsDisposed)
            {
                db.PurgeObsoleteFiles();
            }
        }
    }

    private struct ArraySink : IValueSink
    {
        public byte[]? Result;

        public void SetValue(ReadOnlySpan<byte> value) => Result = value.ToArray();
    }

    private readonly struct WriterSink(IBufferWriter<byte> writer) : IValueSink
    {
        public void SetValue(ReadOnlySpan<byte> value)
        {
            Span<byte> dest = writer.GetSpan(value.Length);
            value.CopyTo(dest);
            writer.Advance(value.Length);
        }
    }
}
