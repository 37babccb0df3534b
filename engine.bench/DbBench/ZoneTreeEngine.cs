using ZoneTree;
using ZoneTree.Comparers;
using ZoneTree.Options;
using ZoneTree.Serializers;

namespace AimLsm.Bench.DbBench;

/// <summary>
/// ZoneTree 2.x over byte keys and values (<c>Memory&lt;byte&gt;</c> with its lexicographic comparer), in its
/// <c>Sync</c> WAL mode with a maintainer that merges in the background, as its documentation sets it up.
/// Durability caveat: ZoneTree's Sync WAL hands each record to the OS (a process crash loses nothing) but never
/// fsyncs per write, so in fillsync it is not doing what the other engines do. Writes copy the key and value into new
/// arrays because ZoneTree keeps the references it is given; reads reuse a buffer for the key.
/// </summary>
internal sealed class ZoneTreeEngine : IKvEngine
{
    private readonly IZoneTree<Memory<byte>, Memory<byte>> _tree;
    private readonly IMaintainer _maintainer;

    [ThreadStatic]
    private static byte[]? t_key;

    public ZoneTreeEngine(string directory)
    {
        Directory = directory;
        _tree = new ZoneTreeFactory<Memory<byte>, Memory<byte>>()
            .SetComparer(new ByteArrayLexicographicComparerAscending())
            .SetDataDirectory(directory)
            .SetKeySerializer(new ByteArraySerializer())
            .SetValueSerializer(new ByteArraySerializer())
            .ConfigureWriteAheadLogOptions(w => w.WriteAheadLogMode = WriteAheadLogMode.Sync)
            .OpenOrCreate();
        _maintainer = _tree.CreateMaintainer();
    }

    public string Name => "zonetree";

    public string Directory { get; }

    public string Settings => "ZoneTree 2.1.3 defaults (1M-record mutable segment, background merge) with WAL mode Sync";

    public string? DurabilityCaveat(bool sync) => sync
        ? "no fsync: ZoneTree's Sync WAL flushes each record to the OS only"
        : null;

    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool sync)
    {
        Memory<byte> k = key.ToArray();
        Memory<byte> v = value.ToArray();
        _tree.Upsert(in k, in v);
    }

    public IKvBatch NewBatch() => new Batch(this);

    public int Get(ReadOnlySpan<byte> key)
    {
        Memory<byte> k = KeyBuffer(key);
        return _tree.TryGet(in k, out Memory<byte> value) ? value.Length : -1;
    }

    private static Memory<byte> KeyBuffer(ReadOnlySpan<byte> key)
    {
        byte[] buffer = t_key ??= new byte[256];
        if (key.Length > buffer.Length)
        {
            buffer = t_key = new byte[key.Length * 2];
        }
        key.CopyTo(buffer);
        return buffer.AsMemory(0, key.Length);
    }

    public IKvCursor NewCursor() => new Cursor(_tree);

    public void Flush()
    {
        _maintainer.EvictToDisk();
        _maintainer.WaitForBackgroundThreads();
    }

    public void Dispose()
    {
        _maintainer.WaitForBackgroundThreads();
        _maintainer.Dispose();
        _tree.Dispose();
    }

    /// <summary>ZoneTree has no atomic batch outside transactions: the batch is a loop of upserts.</summary>
    private sealed class Batch(ZoneTreeEngine engine) : IKvBatch
    {
        public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => engine.Put(key, value, sync: false);

        public void Commit()
        {
        }

        public void Dispose()
        {
        }
    }

    /// <summary>
    /// ZoneTree iterates one way per iterator: forward moves use a forward iterator, backward moves a reverse one,
    /// created on first use. A ZoneTree iterator is positioned before its first record until Next is called.
    /// </summary>
    private sealed class Cursor(IZoneTree<Memory<byte>, Memory<byte>> tree) : IKvCursor
    {
        private IZoneTreeIterator<Memory<byte>, Memory<byte>>? _forward;
        private IZoneTreeIterator<Memory<byte>, Memory<byte>>? _reverse;
        private IZoneTreeIterator<Memory<byte>, Memory<byte>>? _current;
        private bool _valid;

        public bool Valid => _valid;

        public ReadOnlySpan<byte> Key => _current!.CurrentKey.Span;

        public ReadOnlySpan<byte> Value => _current!.CurrentValue.Span;

        private IZoneTreeIterator<Memory<byte>, Memory<byte>> Forward() =>
            _current = _forward ??= tree.CreateIterator(IteratorType.NoRefresh, false, false);

        private IZoneTreeIterator<Memory<byte>, Memory<byte>> Reverse() =>
            _current = _reverse ??= tree.CreateReverseIterator(IteratorType.NoRefresh, false, false);

        public void SeekToFirst()
        {
            var it = Forward();
            it.SeekFirst();
            _valid = it.Next();
        }

        public void SeekToLast()
        {
            var it = Reverse();
            it.SeekFirst();
            _valid = it.Next();
        }

        public void Seek(ReadOnlySpan<byte> target)
        {
            var it = Forward();
            Memory<byte> k = KeyBuffer(target);
            it.Seek(in k);
            _valid = it.Next();
        }

        public void SeekForPrev(ReadOnlySpan<byte> target)
        {
            var it = Reverse();
            Memory<byte> k = KeyBuffer(target);
            it.Seek(in k);
            _valid = it.Next();
        }

        public void Next() => _valid = Forward().Next();

        public void Prev() => _valid = Reverse().Next();

        public void Dispose()
        {
            _forward?.Dispose();
            _reverse?.Dispose();
        }
    }
}
