using AimLsm.IO;
using AimLsm.Lsm.Sst;

namespace AimLsm.Lsm.Version;

/// <summary>
/// Open <see cref="TableReader"/>s by file number, opened on first use and kept until evicted or disposed.
/// Thread-safe. (The compaction issue bounds it by <c>MaxOpenFiles</c> with reference-counted handles.)
/// </summary>
internal sealed class TableCache : IDisposable
{
    private readonly IFileSystem _fs;
    private readonly string _dir;
    private readonly Dictionary<ulong, TableReader> _open = [];
    private readonly object _gate = new();

    public TableCache(IFileSystem fs, string dir)
    {
        _fs = fs;
        _dir = dir;
    }

    public TableReader Get(FileMetadata file)
    {
        lock (_gate)
        {
            if (_open.TryGetValue(file.Number, out TableReader? t))
            {
                return t;
            }
        }
        string path = Path.Combine(_dir, FileNames.Table(file.Number));
        IReadableFile handle;
        try
        {
            handle = _fs.OpenRead(path);
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
        TableReader reader = TableReader.Open(handle, file.Number);
        lock (_gate)
        {
            if (_open.TryGetValue(file.Number, out TableReader? raced))
            {
                reader.Dispose();
                return raced;
            }
            _open[file.Number] = reader;
            return reader;
        }
    }

    public void Evict(ulong number)
    {
        lock (_gate)
        {
            if (_open.Remove(number, out TableReader? t))
            {
                t.Dispose();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (TableReader t in _open.Values)
            {
                t.Dispose();
            }
            _open.Clear();
        }
    }
}
