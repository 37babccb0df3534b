using System.Buffers.Binary;
using AimLsm.Kv.Common;

namespace AimLsm.Kv.Sst;

/// <summary>
/// Builds one block: entries with prefix-compressed keys, and every <c>restartInterval</c> entries a restart point
/// that stores its key whole (docs/format.md, "Blocks"). Entry: shared (varint32), unshared (varint32),
/// value length (varint32), key suffix, value. Tail: restart offsets (u32 LE each), restart count (u32 LE).
/// REQUIRES: keys added in strictly increasing order of the block's comparator. Reused after <see cref="Reset"/>.
/// </summary>
internal sealed class BlockBuilder
{
    private readonly int _restartInterval;
    private byte[] _buffer = new byte[8192];
    private int _length;
    private readonly List<int> _restarts = [0];
    private int _counter;
    private byte[] _lastKey = new byte[64];
    private int _lastKeyLength;

    public BlockBuilder(int restartInterval)
    {
        _restartInterval = restartInterval;
    }

    public bool IsEmpty => _length == 0;

    public int EntryCount { get; private set; }

    /// <summary>The block's size if it were finished now.</summary>
    public int EstimatedSize => _length + (_restarts.Count * 4) + 4;

    public ReadOnlySpan<byte> LastKey => _lastKey.AsSpan(0, _lastKeyLength);

    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        int shared = 0;
        if (_counter < _restartInterval)
        {
            shared = key.CommonPrefixLength(LastKey);
        }
        else
        {
            _restarts.Add(_length);
            _counter = 0;
        }
        int unshared = key.Length - shared;
        Ensure(_length + (3 * Varint.MaxLength32) + unshared + value.Length);
        Span<byte> d = _buffer.AsSpan(_length);
        int p = Varint.Write(d, (uint)shared);
        p += Varint.Write(d[p..], (uint)unshared);
        p += Varint.Write(d[p..], (uint)value.Length);
        key[shared..].CopyTo(d[p..]);
        p += unshared;
        value.CopyTo(d[p..]);
        p += value.Length;
        _length += p;

        if (key.Length > _lastKey.Length)
        {
            _lastKey = new byte[Math.Max(key.Length, _lastKey.Length * 2)];
        }
        key.CopyTo(_lastKey);
        _lastKeyLength = key.Length;
        _counter++;
        EntryCount++;
    }

    /// <summary>Appends the restart array and returns the finished block, valid until <see cref="Reset"/>.</summary>
    public ReadOnlySpan<byte> Finish()
    {
        Ensure(EstimatedSize);
        foreach (int r in _restarts)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_length), (uint)r);
            _length += 4;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_length), (uint)_restarts.Count);
        _length += 4;
        return _buffer.AsSpan(0, _length);
    }

    public void Reset()
    {
        _length = 0;
        _restarts.Clear();
        _restarts.Add(0);
        _counter = 0;
        _lastKeyLength = 0;
        EntryCount = 0;
    }

    private void Ensure(int size)
    {
        if (size > _buffer.Length)
        {
            // Doubling amortizes many small entries; one entry far past the buffer gets room for itself and the
            // block's tail only, so a large value is not followed by a doubling for its last 8 bytes.
            int grown = size > 2 * _buffer.Length ? size + 64 : 2 * _buffer.Length;
            Array.Resize(ref _buffer, grown);
        }
    }
}
