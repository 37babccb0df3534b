using AimLsm.Kv;
using System.Diagnostics;
using AimLsm.Kv.Common;
using AimLsm.Kv.Memtable;
using AimLsm.Kv.Sst;
using AimLsm.Kv.Versions;

namespace AimLsm.Kv;

public sealed partial class Db
{
    /// <summary>
    /// Writes the memtable to an L0 table, records it in the MANIFEST and waits until that is durable.
    /// Afterwards the data no longer depends on the WAL, which is deleted.
    /// </summary>
    public void Flush()
    {
        lock (_writeLock)
        {
            ThrowIfDisposed();
            ThrowIfReadOnly(nameof(Flush));
            ThrowIfBackgroundError();
            FlushLocked();
        }
    }

    /// <summary>REQUIRES: <see cref="_writeLock"/>.</summary>
    private void FlushLocked()
    {
        WaitForMemtableInserts();
        lock (_mutex)
        {
            WaitForImmutableFlushed();
            if (_super.Mem.IsEmpty)
            {
                return;
            }
            SwitchMemtable();
            WaitForImmutableFlushed();
        }
    }

    /// <summary>REQUIRES: <see cref="_mutex"/>.</summary>
    private void WaitForImmutableFlushed()
    {
        while (_super.Imms.Length > 0 && _backgroundError is null)
        {
            Monitor.Wait(_mutex);
        }
        ThrowIfBackgroundError();
    }

    private void StartBackgroundWork()
    {
        _flushThread = new Thread(FlushThreadMain) { IsBackground = true, Name = "aimlsm-flush" };
        _flushThread.Start();
        StartCompactionThreads();
    }

    private void FlushThreadMain()
    {
        while (true)
        {
            MemTable imm;
            lock (_mutex)
            {
                while ((_super.Imms.Length == 0 || _backgroundError is not null) && !_stopBackground)
                {
                    Monitor.Wait(_mutex);
                }
                // On shutdown the pending memtables are still flushed; after an error nothing more is attempted.
                if (_super.Imms.Length == 0 || _backgroundError is not null)
                {
                    return;
                }
                // The oldest first: L0 tables must be written in the order of their data.
                imm = _super.Imms[^1];
            }
            try
            {
                var watch = Stopwatch.StartNew();
                FileMetadata? table = WriteLevel0Table(imm);
                lock (_mutex)
                {
                    // Only this thread removes frozen memtables, so the one written is still the oldest; a writer may
                    // have frozen newer ones meanwhile, and their WALs stay needed.
                    MemTable[] imms = _super.Imms;
                    Invariant.Holds(imms.Length > 0 && imms[^1] == imm, "the flushed memtable is still the oldest frozen one");
                    MemTable[] rest = imms[..^1];
                    var edit = new VersionEdit
                    {
                        // The WAL of the oldest memtable not yet in a table is now the oldest one recovery needs.
                        LogNumber = rest.Length > 0 ? rest[^1].LogNumber : _super.Mem.LogNumber,
                        LastSequence = Volatile.Read(ref _lastSequence),
                    };
                    if (table is not null)
                    {
                        edit.NewFiles.Add((0, table));
                    }
                    Kv.Versions.Version v = _versions.LogAndApply(edit);
                    // The edit moving the log number past this WAL is durable: the WAL can go. Deleted before the
                    // frozen memtable is released, so a Flush() that returns leaves no stale WAL behind.
                    DeleteQuietly(FileNames.Wal(imm.LogNumber));
                    InstallSuperVersion(_super.Mem, rest, v);
                    Monitor.PulseAll(_mutex); // writers waiting for room, and compaction threads: L0 grew
                }
                if (table is not null)
                {
                    Stats.AddFlush(table.Size);
                    _options.Listener?.OnFlushCompleted(new FlushInfo(table.Number, table.Size, (ulong)imm.Count, watch.Elapsed));
                }
            }
            catch (Exception e)
            {
                // Never let a background failure take the process down: record it and refuse writes.
                SetBackgroundError(e);
            }
        }
    }

    /// <summary>Writes a memtable to a new, synced table file; null when it holds nothing.</summary>
    private FileMetadata? WriteLevel0Table(MemTable mem)
    {
        if (mem.IsEmpty)
        {
            return null;
        }
        ulong number = _versions.NewFileNumber();
        string path = System.IO.Path.Combine(_path, FileNames.Table(number));
        try
        {
            TableSummary summary;
            using (IO.IWritableFile file = _fs.Create(path))
            {
                var builder = new TableBuilder(file, _tableOptions);
                using (Kv.Iteration.InternalIterator it = mem.NewIterator())
                {
                    for (it.SeekToFirst(); it.Valid; it.Next())
                    {
                        builder.Add(it.Key, it.Value);
                    }
                }
                foreach (Kv.RangeDel.RangeTombstone t in mem.RangeTombstones())
                {
                    builder.AddRangeTombstone(t);
                }
                summary = builder.Finish();
                file.Sync();
            }
            _fs.SyncDirectory(_path);
            return new FileMetadata(number, summary.FileSize, summary.Smallest, summary.Largest, summary.SmallestSequence, summary.LargestSequence);
        }
        catch
        {
            DeleteQuietly(FileNames.Table(number));
            throw;
        }
    }

    private void DeleteQuietly(string name)
    {
        try
        {
            _fs.Delete(System.IO.Path.Combine(_path, name));
        }
        catch (IOException)
        {
            // An obsolete file left behind is deleted at the next open.
        }
    }
}
