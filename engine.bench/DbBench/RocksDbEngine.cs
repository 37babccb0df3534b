using RocksDbSharp;
using RocksDbOptions = RocksDbSharp.DbOptions;
using RocksIterator = RocksDbSharp.Iterator;
using RocksReadOptions = RocksDbSharp.ReadOptions;
using RocksWriteBatch = RocksDbSharp.WriteBatch;
using RocksWriteOptions = RocksDbSharp.WriteOptions;

namespace AimLsm.Bench.DbBench;

/// <summary>
/// RocksDB through RocksDbSharp (the <c>RocksDB</c> NuGet package, native library bundled), with RocksDB's defaults
/// as a .NET user gets them: WAL on, no fsync unless asked, default block cache and compression. The span overloads
/// and a caller-owned value buffer keep the adapter from allocating per operation.
/// </summary>
internal sealed class RocksDbEngine : IKvEngine
{
    private readonly RocksDb _db;
    private readonly RocksWriteOptions _noSync = new RocksWriteOptions().SetSync(false);
    private readonly RocksWriteOptions _sync = new RocksWriteOptions().SetSync(true);
    private readonly RocksReadOptions _read = new();

    [ThreadStatic]
    private static byte[]? t_key;

    [ThreadStatic]
    private static byte[]? t_value;

    public RocksDbEngine(string directory)
    {
        Directory = directory;
        RocksDbOptions options = new RocksDbOptions().SetCreateIfMissing(true);
        _db = RocksDb.Open(options, directory);
    }

    public string Name => "rocksdb";

    public string Directory { get; }

    public string Settings => "RocksDB " + NativeVersion() + " defaults (64 MiB write buffer, leveled compaction, block cache, default compression); WAL on";

    public string? DurabilityCaveat(bool sync) => null;

    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool sync) =>
        _db.Put(key, value, null, sync ? _sync : _noSync);

    public IKvBatch NewBatch() => new Batch(_db, _noSync);

    public int Get(ReadOnlySpan<byte> key)
    {
        // The array overload copies the value into our buffer and frees the native one: no managed allocation.
        byte[] k = t_key ??= new byte[256];
        if (key.Length > k.Length)
        {
            k = t_key = new byte[key.Length * 2];
        }
        key.CopyTo(k);
        byte[] v = t_value ??= new byte[64 << 10];
        long n = _db.Get(k, key.Length, v, 0, v.Length, null, _read);
        return n < 0 ? -1 : (int)n;
    }

    public IKvCursor NewCursor() => new Cursor(_db.NewIterator(null, _read));

    /// <summary>Flushes the memtable, then waits until no compaction is pending or running (db_bench's waitforcompaction).</summary>
    public void Flush()
    {
        _db.Flush(new FlushOptions().SetWaitForFlush(true));
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(5) &&
               (_db.GetProperty("rocksdb.compaction-pending") != "0" || _db.GetProperty("rocksdb.num-running-compactions") != "0"))
        {
            Thread.Sleep(20);
        }
    }

    public void Dispose() => _db.Dispose();

    private static string NativeVersion()
    {
        var v = typeof(RocksDb).Assembly.GetName().Version;
        return v is null ? "?" : $"{v.Major}.{v.Minor}.{v.Build}";
    }

    private sealed class Batch(RocksDb db, RocksWriteOptions options) : IKvBatch
    {
        private readonly RocksWriteBatch _batch = new();

        public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _batch.Put(key, value, null);

        public void Commit()
        {
            db.Write(_batch, options);
            _batch.Clear();
        }

        public void Dispose() => _batch.Dispose();
    }

    private sealed class Cursor(RocksIterator it) : IKvCursor
    {
        public bool Valid => it.Valid();

        public ReadOnlySpan<byte> Key => it.GetKeySpan();

        public ReadOnlySpan<byte> Value => it.GetValueSpan();

        public void SeekToFirst() => it.SeekToFirst();

        public void SeekToLast() => it.SeekToLast();

        public void Seek(ReadOnlySpan<byte> target) => it.Seek(target);

        public void SeekForPrev(ReadOnlySpan<byte> target) => it.SeekForPrev(target);

        public void Next() => it.Next();

        public void Prev() => it.Prev();

        public void Dispose() => it.Dispose();
    }
}
