using System.Buffers;
using AimLsm.Lsm.Iteration;

namespace AimLsm.Lsm.Sst;

/// <summary>
/// A two-level cursor over a table: the in-memory index block picks a data block, read into a rented buffer that
/// the iterator keeps until it moves to another block or is disposed. Not thread-safe.
/// </summary>
internal sealed class TableIterator : InternalIterator
{
    private readonly TableReader _table;
    private readonly BlockIterator _index;
    private readonly BlockIterator _data = new(internalKeys: true);
    private byte[] _buffer = [];
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
            int length = _table.ReadDataBlock(h, ref _buffer);
            _data.Reset(_buffer, 0, length, _table.Path, (long)h.Offset);
            _loadedOffset = h.Offset;
        }
        _dataValid = true;
        return true;
    }

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
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
        base.Dispose();
    }
}
