using AimLsm.Kv;
using AimLsm.Kv.Sst;
using AimLsm.Kv.Versions;
using AimLsm.Kv.Wal;

namespace AimLsm.Kv;

public sealed partial class Db
{
    /// <summary>
    /// Clears a background error once its cause is gone (RocksDB's Resume), without a reopen: makes everything the
    /// memtables hold durable in L0 tables, then writes to a fresh WAL, since the failed write may have left a partial
    /// record at the end of the old one. If the disk still fails, the database stays in its error state and this
    /// throws. Acknowledged writes are never lost either way: they are in the memtables and the old WAL.
    /// </summary>
    /// <exception cref="BackgroundErrorException">Resuming failed; the database still refuses writes.</exception>
    public void Resume()
    {
        lock (_writeLock)
        {
            ThrowIfDisposed();
            ThrowIfReadOnly(nameof(Resume));
            WaitForMemtableInserts();
            lock (_mutex)
            {
                if (_backgroundError is null)
                {
                    return;
                }
                _backgroundError = null;
                Monitor.PulseAll(_mutex); // the flush thread may take the frozen memtable again
                try
                {
                    WaitForImmutableFlushed();
                    SwitchMemtable();          // a new WAL, even when the memtable is empty
                    WaitForImmutableFlushed();
                    // A failed insert's part is in a table now, as before the write path had two stages; later groups
                    // may be published again.
                    Volatile.Write(ref _insertError, null);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // SwitchMemtable recorded the error again: still refusing writes.
                    throw new BackgroundErrorException(e);
                }
            }
        }
        lock (_mutex)
        {
            MaybeScheduleCompaction();
        }
    }

    /// <summary>
    /// Reads every block of every live table (footer, index, meta blocks, each data block, decompressed) and every
    /// live WAL, checking every checksum, and reports each problem found with its file and offset. Reads go to the
    /// files, not the block cache. An empty list means everything checked out.
    /// </summary>
    public IReadOnlyList<CorruptionException> VerifyChecksums()
    {
        ThrowIfDisposed();
        var problems = new List<CorruptionException>();
        SuperVersion sv = AcquireSuperVersion();
        try
        {
            foreach (FileMetadata f in sv.Version.AllFiles)
            {
                VerifyTable(f, problems);
            }
        }
        finally
        {
            sv.Release();
        }
        foreach (string name in _fs.ListFiles(_path))
        {
            if (FileNames.Parse(name, out ulong number) == FileKind.Wal && number >= _versions.LogNumber)
            {
                VerifyWal(System.IO.Path.Combine(_path, name), number == _walNumber, problems);
            }
        }
        return problems;
    }

    private void VerifyTable(FileMetadata f, List<CorruptionException> problems)
    {
        string path = System.IO.Path.Combine(_path, FileNames.Table(f.Number));
        TableReader reader;
        try
        {
            // A fresh reader without the cache: every byte comes from the file.
            reader = TableReader.Open(_fs.OpenRead(path), f.Number, _tableOptions with { Cache = null });
        }
        catch (CorruptionException e)
        {
            problems.Add(e);
            return;
        }
        catch (FileNotFoundException)
        {
            problems.Add(new CorruptionException(path, 0, "a live table is missing"));
            return;
        }
        using (reader)
        {
            reader.Verify(problems.Add);
        }
    }

    private void VerifyWal(string path, bool live, List<CorruptionException> problems)
    {
        using IO.IReadableFile file = _fs.OpenRead(path);
        var reader = new LogReader(file, p =>
        {
            // The WAL being written may end in a record still being appended; any other WAL must be whole.
            if (!(live && p.Kind == LogProblemKind.TruncatedTail))
            {
                problems.Add(new CorruptionException(path, p.Offset, "WAL: " + p.Reason));
            }
        });
        while (reader.ReadRecord(out _))
        {
        }
    }
}
