using System.Buffers;
using AimLsm.Kv.Cache;
using AimLsm.Kv.Iteration;

namespace AimLsm.Kv.Sst;

/// <summary>
/// A two-level cursor over a table: the in-memory index block picks a data block, which the iterator holds until
/// it moves to another block or is disposed: a reference into the block cache when the table has one (the block
/// stays valid even if the cache evicts it meanwhile), otherwise the iterator's own pooled buffers, reused from
/// block to block. Key and Value stay valid until the iterator moves. Not thread-safe.
/// </summary>
internal sealed class TableIterator : InternalIterator
{
    private readonly TableReader _table;
    private readonly BlockIterator _index;
    private readonly BlockIterator _data = new(internalKeys: true);
    private byte[] _raw = [];
    private byte[] _decoded = [];
    private BlockHandleRef _cached;
    private bool _dataValid;
    private ulong _loadedOffset = ulong.MaxValue;

    public TableIterator(TableReader table)
    {
        _table = table;
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
            byte[] block;
            int length;
            if (_table.Cache is not null)
            {
                _cached = _table.GetCachedDataBlock(h, ref _raw, ref _decoded);
                block = _cached.Array;
                length = _cached.Length;
            }
            else
            {
                block = _table.ReadDataBlock(h, ref _raw, ref _decoded, out length);
            }
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
        _index.SeekToFirst();
        if (LoadBlock())
        {
            _data.SeekToFirst();
            SkipEmptyForward();
        }
    }

    public override void SeekToLast()
    {
        _index.SeekToLast();
        if (LoadBlock())
        {
            _data.SeekToLast();
            SkipEmptyBackward();
        }
    }

    public override void Seek(ReadOnlySpan<byte> internalKey)
    {
        _index.Seek(internalKey);
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
