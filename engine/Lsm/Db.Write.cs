using AimLsm.Common;
using AimLsm.Lsm.Keys;
using AimLsm.Lsm.Memtable;
using AimLsm.Lsm.Version;
using AimLsm.Lsm.Wal;

namespace AimLsm;

public sealed partial class Db
{
    [ThreadStatic]
    private static WriteBatch? t_singleBatch;

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>.</summary>
    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, WriteOptions? options = null)
    {
        WriteBatch b = RentBatch();
        b.Put(key, value);
        Write(b, options);
    }

    /// <summary>Removes <paramref name="key"/>. Deleting an absent key is not an error.</summary>
    public void Delete(ReadOnlySpan<byte> key, WriteOptions? options = null)
    {
        WriteBatch b = RentBatch();
        b.Delete(key);
        Write(b, options);
    }

    /// <summary>Removes every key in [<paramref name="begin"/>, <paramref name="end"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="begin"/> sorts after <paramref name="end"/>.</exception>
    public void DeleteRange(ReadOnlySpan<byte> begin, ReadOnlySpan<byte> end, WriteOptions? options = null)
    {
        WriteBatch b = RentBatch();
        b.DeleteRange(begin, end);
        Write(b, options);
    }

    private static WriteBatch RentBatch()
    {
        WriteBatch b = t_singleBatch ??= new WriteBatch();
        b.Clear();
        return b;
    }

    /// <summary>
    /// Applies every update in <paramref name="batch"/> atomically, with consecutive sequence numbers.
    /// With <see cref="WriteOptions.Sync"/> the WAL is on stable storage before this returns.
    /// </summary>
    /// <exception cref="BackgroundErrorException">An earlier failure made the database refuse writes.</exception>
    /// <exception cref="IOException">Writing the WAL failed; the database now refuses writes.</exception>
    public void Write(WriteBatch batch, WriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        options ??= WriteOptions.Default;
        if (options.Sync && options.DisableWal)
        {
            ThrowHelper.ThrowArgument("WriteOptions.Sync needs the WAL; it cannot be combined with DisableWal.", nameof(options));
        }
        lock (_writeLock)
        {
            ThrowIfDisposed();
            ThrowIfBackgroundError();
            if (batch.Count == 0)
            {
                // RocksDB: an empty batch with Sync still makes the WAL durable.
                if (options.Sync)
                {
                    SyncWalLocked();
                }
                return;
            }
            MakeRoomForWrite();
            ulong first = _lastSequence + 1;
            batch.Sequence = first;
            MemTable mem = _super.Mem;
            if (!options.DisableWal)
            {
                try
                {
                    _wal!.AddRecord(batch.Data);
                    if (options.Sync)
                    {
                        _wal.Sync();
                    }
                    else
                    {
                        _wal.Flush();
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    SetBackgroundError(e);
                    throw;
                }
            }
            else
            {
                mem.HasUnloggedWrites = true;
            }
            ulong seq = first;
            var reader = new BatchReader(batch.Data);
            while (reader.Next(out EntryType type, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value))
            {
                mem.Add(seq++, type, key, value);
            }
            Volatile.Write(ref _lastSequence, seq - 1);
        }
    }

    /// <summary>Makes every WAL record written so far durable, as RocksDB's SyncWAL.</summary>
    public void SyncWal()
    {
        lock (_writeLock)
        {
            ThrowIfDisposed();
            ThrowIfBackgroundError();
            SyncWalLocked();
        }
    }

    private void SyncWalLocked()
    {
        try
        {
            _wal!.Sync();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            SetBackgroundError(e);
            throw;
        }
    }

    private void ThrowIfBackgroundError()
    {
        Exception? e = Volatile.Read(ref _backgroundError);
        if (e is not null)
        {
            throw new BackgroundErrorException(e);
        }
    }

    private void SetBackgroundError(Exception e)
    {
        lock (_mutex)
        {
            if (_backgroundError is not null)
            {
                return;
            }
            _backgroundError = e;
            Monitor.PulseAll(_mutex);
        }
        _options.Listener?.OnBackgroundError(e);
    }

    /// <summary>
    /// Ensures the mutable memtable has room: when it is full, freezes it and starts a new one with a new WAL,
    /// waiting first for the previous frozen memtable to be flushed. REQUIRES: <see cref="_writeLock"/>.
    /// </summary>
    private void MakeRoomForWrite()
    {
        while (_super.Mem.ApproximateMemoryUsage >= _options.WriteBufferSize)
        {
            lock (_mutex)
            {
                ThrowIfBackgroundError();
                if (_super.Imm is not null)
                {
                    // A stall: writes outpace the flush. Flow control with counters comes with compaction.
                    Monitor.Wait(_mutex);
                    continue;
                }
                SwitchMemtable();
            }
        }
    }

    /// <summary>Freezes the memtable and opens a new WAL. REQUIRES: both locks, no frozen memtable.</summary>
    private void SwitchMemtable()
    {
        System.Diagnostics.Debug.Assert(_super.Imm is null, "one frozen memtable at a time");
        ulong number = _versions.NewFileNumber();
        LogWriter wal;
        try
        {
            wal = new LogWriter(_fs.Create(System.IO.Path.Combine(_path, FileNames.Wal(number))));
            // The new WAL must exist after a power loss, or synced writes to it would vanish with its directory entry.
            _fs.SyncDirectory(_path);
            _wal?.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            SetBackgroundError(e);
            throw;
        }
        _wal = wal;
        _walNumber = number;
        SuperVersion old = _super;
        Volatile.Write(ref _super, new SuperVersion(new MemTable(number, _options.WriteBufferSize), old.Mem, old.Version));
        Monitor.PulseAll(_mutex);
    }
}
