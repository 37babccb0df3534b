using System.Collections.Concurrent;
using AimLsm.Kv.IO;
using AimLsm.Kv.Sst;

namespace AimLsm.Kv.Versions;

/// <summary>
/// Open <see cref="TableReader"/>s by file number, at most <c>maxOpenFiles</c> of them (Aim's users hit "Too many
/// open files" because every RocksDB file stays open). A hit is lock-free: a dictionary lookup and an interlocked
/// reference count. Beyond the bound the least recently used idle tables are closed; a table in use is closed
/// when its last user releases it. Thread-safe.
/// </summary>
internal sealed class TableCache : IDisposable
{
    private readonly IFileSystem _fs;
    private readonly string _dir;
    private readonly TableOptions _options;
    private readonly int _maxOpenFiles;
    private readonly ConcurrentDictionary<ulong, Entry> _open = new();
    private readonly object _openGate = new();

    public TableCache(IFileSystem fs, string dir, TableOptions options, int maxOpenFiles)
    {
        _fs = fs;
        _dir = dir;
        _options = options;
        _maxOpenFiles = maxOpenFiles;
    }

    /// <summary>Tables open now.</summary>
    public int OpenCount => _open.Count;

    /// <summary>
    /// An open table, reference-counted: an entry is closed only after its last <see cref="Entry.Release"/>.
    /// <see cref="_refs"/> counts the cache's own reference (1 while cached) plus each user; -1 once closed.
    /// </summary>
    internal sealed class Entry(TableReader reader)
    {
        public readonly TableReader Reader = reader;
        private int _refs = 1;
        public long LastUsed;

        public bool TryAcquire()
        {
            while (true)
            {
                int r = Volatile.Read(ref _refs);
                if (r <= 0)
                {
                    return false;
                }
                if (Interlocked.CompareExchange(ref _refs, r + 1, r) == r)
                {
                    return true;
                }
            }
        }

        /// <summary>Drops one reference; the last one closes the table.</summary>
        public void Release()
        {
            if (Interlocked.Decrement(ref _refs) == 0)
            {
                Interlocked.Exchange(ref _refs, -1);
                Reader.Dispose();
            }
        }

        public bool IsIdle => Volatile.Read(ref _refs) == 1;
    }

    /// <summary>The open table for <paramref name="file"/>, acquired: call <see cref="Entry.Release"/> when done.</summary>
    public Entry Acquire(FileMetadata file)
    {
        while (true)
        {
            if (_open.TryGetValue(file.Number, out Entry? e) && e.TryAcquire())
            {
                Touch(e);
                return e;
            }
            lock (_openGate)
            {
                // One opener per file: others wait here and then find it in the dictionary.
                if (_open.TryGetValue(file.Number, out e) && e.TryAcquire())
                {
                    Touch(e);
                    return e;
                }
                e = new Entry(OpenTable(file));
                e.TryAcquire();
                Touch(e);
                _open[file.Number] = e;
                if (_open.Count > _maxOpenFiles)
                {
                    EvictIdle();
                }
                return e;
            }
        }
    }

    /// <summary>
    /// Stamps an entry used now, for choosing which idle tables to close. A millisecond clock, not a shared counter:
    /// every point lookup passes here, and an interlocked increment of one counter from every reading thread moved
    /// its cache line between the cores on each lookup. Ties within a millisecond are closed in any order.
    /// </summary>
    private static void Touch(Entry e)
    {
        long now = Environment.TickCount64;
        if (e.LastUsed != now)
        {
            e.LastUsed = now;
        }
    }

    private TableReader OpenTable(FileMetadata file)
    {
        string path = Path.Combine(_dir, FileNames.Table(file.Number));
        IReadableFile handle;
        try
        {
            handle = _options.MmapReads ? _fs.OpenReadMapped(path) : _fs.OpenRead(path);
        }
        catch (FileNotFoundException)
        {
            throw new CorruptionException(path, 0, "a table the MANIFEST lists as live is missing");
        }
        if (handle.Length != file.Size)
        {
            handle.Dispose();
            throw new CorruptionException(path, Math.Min(handle.Length, file.Size),
                $"the table is {handle.Length} bytes but the MANIFEST recorded {file.Size} (truncated or replaced?)");
        }
        TableReader reader = TableReader.Open(handle, file.Number, _options);
        return reader;
    }

    /// <summary>Closes the least recently used idle tables until the bound holds. REQUIRES: <see cref="_openGate"/>.</summary>
    private void EvictIdle()
    {
        var idle = new List<KeyValuePair<ulong, Entry>>();
        foreach (KeyValuePair<ulong, Entry> kv in _open)
        {
            if (kv.Value.IsIdle)
            {
                idle.Add(kv);
            }
        }
        idle.Sort(static (a, b) => a.Value.LastUsed.CompareTo(b.Value.LastUsed));
        int excess = _open.Count - _maxOpenFiles;
        for (int i = 0; i < idle.Count && excess > 0; i++)
        {
            if (_open.TryRemove(idle[i]))
            {
                idle[i].Value.Release();
                excess--;
            }
        }
    }

    /// <summary>Forgets a table whose file is being deleted; users that hold it keep reading until they release it.</summary>
    public void Evict(ulong number)
    {
        if (_open.TryRemove(number, out Entry? e))
        {
            e.Release();
        }
    }

    public void Dispose()
    {
        foreach (ulong number in _open.Keys)
        {
            Evict(number);
        }
    }
}
