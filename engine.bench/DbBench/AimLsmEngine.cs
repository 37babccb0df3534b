using System.Buffers;

namespace AimLsm.Bench.DbBench;

/// <summary>AimLsm with its defaults (64 MiB write buffer, 4 KiB blocks), WAL on, fsync only when asked.</summary>
internal sealed class AimLsmEngine : IKvEngine
{
    private static readonly WriteOptions NoSync = new();
    private static readonly WriteOptions Sync = new() { Sync = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_value;

    private readonly Db _db;

    public AimLsmEngine(string directory)
    {
        Directory = directory;
        _db = Db.Open(directory, new DbOptions { CreateIfMissing = true });
    }

    public string Name => "aimlsm";

    public string Directory { get; }

    public string Settings => "defaults: 64 MiB write buffer, 4 KiB blocks, no compression/cache/bloom yet; WAL on";

    public string? DurabilityCaveat(bool sync) => null;

    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool sync) => _db.Put(key, value, sync ? Sync : NoSync);

    public IKvBatch NewBatch() => new Batch(_db);

    public int Get(ReadOnlySpan<byte> key)
    {
        ArrayBufferWriter<byte> sink = t_value ??= new ArrayBufferWriter<byte>(4096);
        sink.ResetWrittenCount();
        return _db.TryGet(key, sink) ? sink.WrittenCount : -1;
    }

    public IKvCursor NewCursor() => new Cursor(_db.NewIterator());

    public void Flush() => _db.Flush();

    public void Dispose() => _db.Dispose();

    private sealed class Batch(Db db) : IKvBatch
    {
        private readonly WriteBatch _batch = new();

        public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _batch.Put(key, value);

        public void Commit()
        {
            db.Write(_batch, NoSync);
            _batch.Clear();
        }

        public void Dispose()
        {
        }
    }

    private sealed class Cursor(Iterator it) : IKvCursor
    {
        public bool Valid => it.Valid;

        public ReadOnlySpan<byte> Key => it.Key;

        public ReadOnlySpan<byte> Value => it.Value;

        public void SeekToFirst() => it.SeekToFirst();

        public void SeekToLast() => it.SeekToLast();

        public void Seek(ReadOnlySpan<byte> target) => it.Seek(target);

        public void SeekForPrev(ReadOnlySpan<byte> target) => it.SeekForPrev(target);

        public void Next() => it.Next();

        public void Prev() => it.Prev();

        public void Dispose() => it.Dispose();
    }
}
