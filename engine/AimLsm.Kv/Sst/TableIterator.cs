using System.Buffers;
using AimLsm.Kv.Cache;
using AimLsm.Kv.Iteration;

namespace AimLsm.Kv.Sst;

/// <summary>
/// A two-level cursor over a table: the in-memory index block picks a data block, which the iterator holds until
/// it moves to another block or is disposed: a reference into the block cache when the block is cached (it stays
/// valid even if the cache evicts it meanwhile), otherwise the iterator's own pooled buffers, reused from block to
/// block. Key and Value stay valid until the iterator moves. Not thread-safe.
/// <para>
/// What it puts into the cache. A block found by a seek is inserted as a point read's would be. A block reached
/// by stepping off the end of the previous one is a scan's: once the iterator has stepped across
/// <see cref="ScanBlocks"/> blocks since its last seek, each further block it reads from the file goes in at low
/// priority (the cache's least recently used end), so a scan larger than the cache does not flush the blocks point
/// reads use, and a scan that fits still leaves its blocks cached. With fill-cache off (RocksDB's
/// <c>fill_cache = false</c>, for bulk scans and compaction) it inserts nothing and only takes what is cached.
/// </para>
/// </summary>
internal sealed class TableIterator : InternalIterator
{
    /// <summary>Blocks crossed by stepping after which a scan's blocks are inserted at low priority.</summary>
    internal const int ScanBlocks = 2;

    private readonly TableReader _table;
    private readonly bool _fillCache;
    private readonly BlockIterator _index;
    private readonly BlockIterator _data = new(internalKeys: true);
    private byte[] _raw = [];
    private byte[] _decoded = [];
    private BlockHandleRef _cached;
    private bool _dataValid;
    private ulong _loadedOffset = ulong.MaxValue;
    private int _steppedBlocks; // blocks entered by stepping since the last seek

    public TableIterator(TableReader table, bool fillCache = true)
    {
        _table = table;
        _fillCache = fillCache;
        _index = table.NewIndexIterator();
    }

    public override bool Valid => _dataValid && _data.Valid;

    public override ReadOnlySpan<byte> Key => _data.Key;

    public override ReadOnlySpan<byte> Value => _data.Value;

    /// <summary>Loads the data block the index cursor points at; false when the index cursor is not valid.</summary>
    private bool LoadBlock()
    {
        if (!_index.Valid)
        {
            _dataValid = false;
            return false;
        }
        BlockHandle h = TableReader.DecodeIndexValue(_index, _table.Path, _table.IndexOffset);
        if (h.Offset != _loadedOffset || !_dataValid)
        {
            _dataValid = false;
            _loadedOffset = ulong.MaxValue;
            ReleaseCached();
            byte[] block = _table.LoadDataBlock(h, _fillCache, lowPriority: _steppedBlocks > ScanBlocks, ref _raw, ref _decoded, out _cached, out int length);
            _data.Reset(block, 0, length, _table.Path, (long)h.Offset);
            _loadedOffset = h.Offset;
        }
        _dataValid = true;
        return true;
    }

    /// <summary>Drops the cached block, pointing the data cursor at an empty block so it cannot read a freed buffer.</summary>
    private void ReleaseCached()
    {
        if (_cached.IsValid)
        {
            BlockHandleRef c = _cached;
            _cached = default;
            _data.Reset(EmptyBlock, 0, EmptyBlock.Length, _table.Path, 0);
            c.Release();
        }
    }

    /// <summary>A block with no entries and no restart points.</summary>
    private static readonly byte[] EmptyBlock = new byte[4];

    public override void SeekToFirst()
    {
        _steppedBlocks = 0;
        _index.SeekToFirst();
        if (LoadBlock())
        {
            _data.SeekToFirst();
            SkipEmptyForward();
        }
    }

    public override void SeekToLast()
    {
        _steppedBlocks = 0;
        _index.SeekToLast();
        if (LoadBlock())
        {
            _data.SeekToLast();
            SkipEmptyBackward();
        }
    }

    public override void Seek(ReadOnlySpan<byte> internalKey)
    {
        _steppedBlocks = 0;
        if (_table.Search is IndexSearch search)
        {
            _index.SeekToRestartEntry(search.Seek(internalKey)); // entry i is restart point i: see IndexSearch
        }
        else
        {
            _index.Seek(internalKey);
        }
        if (LoadBlock())
        {
            _data.Seek(internalKey);
            SkipEmptyForward();
        }
    }

    public override void Next()
    {
        _data.Next();
        SkipEmptyForward();
    }

    public override void Prev()
    {
        _data.Prev();
        SkipEmptyBackward();
    }

    private void SkipEmptyForward()
    {
        while (!_data.Valid)
        {
            _index.Next();
            _steppedBlocks++;
            if (!LoadBlock())
            {
                return;
            }
            _data.SeekToFirst();
        }
    }

    private void SkipEmptyBackward()
    {
        while (!_data.Valid)
        {
            _index.Prev();
            _steppedBlocks++;
            if (!LoadBlock())
            {
                return;
            }
            _data.SeekToLast();
        }
    }

    public override void Dispose()
    {
        _dataValid = false;
        ReleaseCached();
        Return(ref _raw);
        Return(ref _decoded);
        base.Dispose();
    }

    private static void Return(ref byte[] buffer)
    {
        if (buffer.Length > 0)
        {
            Common.PooledBuffers.Return(buffer);
            buffer = [];
        }
    }
}
