using System.Buffers.Binary;
using AimLsm.Kv.Common;
using AimLsm.Kv.Iteration;
using AimLsm.Kv.Keys;

namespace AimLsm.Kv.Sst;

/// <summary>
/// A cursor over one block built by <see cref="BlockBuilder"/>. It decodes in place from the caller's buffer and
/// rebuilds prefix-compressed keys into a buffer of its own; every length is checked, and damage throws a
/// <see cref="CorruptionException"/> naming the file and byte offset. Reused across blocks with <see cref="Reset"/>.
/// Allocation-free once its key buffer has grown to the longest key. Not thread-safe.
/// </summary>
internal sealed class BlockIterator : InternalIterator
{
    private readonly bool _internalKeys;
    private byte[] _data = [];
    private int _base;
    private int _restartsOffset; // relative to _base; entries live in [0, _restartsOffset)
    private int _numRestarts;
    private int _current;        // relative offset of the current entry; == _restartsOffset when not valid
    private int _nextOffset;
    private int _restartIndex;
    private byte[] _key = new byte[64];
    private int _keyLength;
    private int _valueOffset;
    private int _valueLength;
    private string _file = "";
    private long _fileOffset;

    // The entries of the restart interval the last Prev scanned, in order (RocksDB's prev_entries_): a Prev within
    // that interval steps back through them instead of scanning the interval again from its restart point, so a
    // reverse scan decodes each entry once, not about half an interval per step. Valid while _prevCount > 0; any
    // other move clears it. Each entry: its offset, its value's offset and length, and its whole key at
    // _prevKeyStarts[i] in _prevKeys. The arrays grow to the longest interval and stay.
    private int[] _prevOffsets = new int[16];
    private int[] _prevValueOffsets = new int[16];
    private int[] _prevValueLengths = new int[16];
    private int[] _prevKeyStarts = new int[17];
    private byte[] _prevKeys = new byte[512];
    private int _prevCount;
    private int _prevPosition;

    /// <param name="internalKeys">Compare keys as internal keys (data, index, range-del blocks) or bytewise (meta blocks).</param>
    public BlockIterator(bool internalKeys)
    {
        _internalKeys = internalKeys;
    }

    /// <summary>Points the iterator at a block's contents (no trailer); it starts not valid.</summary>
    public void Reset(byte[] data, int offset, int length, string file, long fileOffset)
    {
        _data = data;
        _base = offset;
        _file = file;
        _fileOffset = fileOffset;
        if (length < 4)
        {
            Corrupt(0, $"a block of {length} bytes is too short for its restart count");
        }
        uint n = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset + length - 4));
        if (n > (uint)((length - 4) / 4))
        {
            Corrupt(length - 4, $"the block claims {n} restart points, more than its {length} bytes can hold");
        }
        _numRestarts = (int)n;
        _restartsOffset = length - 4 - (4 * _numRestarts);
        if (_restartsOffset == 0)
        {
            // A block with no entries (the index of a table holding only range tombstones) still has restart 0.
            _numRestarts = 0;
        }
        _current = _nextOffset = _restartsOffset;
        _restartIndex = _numRestarts;
        _keyLength = 0;
        _prevCount = 0;
    }

    public override bool Valid => _current < _restartsOffset;

    public override ReadOnlySpan<byte> Key => _key.AsSpan(0, _keyLength);

    public override ReadOnlySpan<byte> Value => _data.AsSpan(_base + _valueOffset, _valueLength);

    private int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        _internalKeys ? InternalKey.Compare(a, b) : a.SequenceCompareTo(b);

    private int RestartPoint(int index)
    {
        uint r = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(_base + _restartsOffset + (4 * index)));
        if (r >= (uint)_restartsOffset)
        {
            Corrupt(_restartsOffset + (4 * index), $"restart point {index} points past the entries ({r})");
        }
        return (int)r;
    }

    /// <summary>Restart points of the block (one per entry in a block built with restart interval 1).</summary>
    internal int RestartCount => _numRestarts;

    /// <summary>
    /// Where the whole key of the entry at restart point <paramref name="index"/> starts in the array given to
    /// <see cref="Reset"/>, and its <paramref name="length"/>; checked as a seek checks it.
    /// </summary>
    internal int RestartKeyStart(int index, out int length) => _base + RestartKeyOffset(index, out length);

    /// <summary>
    /// Positions the iterator on the entry at restart point <paramref name="index"/>, not valid when
    /// <paramref name="index"/> is <see cref="RestartCount"/>. In a block with one restart point per entry that is
    /// entry <paramref name="index"/> (what <see cref="IndexSearch.Seek"/> returns).
    /// </summary>
    internal void SeekToRestartEntry(int index)
    {
        if ((uint)index >= (uint)_numRestarts)
        {
            MarkInvalid();
            return;
        }
        SeekToRestartPoint(index);
        ParseNextEntry();
    }

    /// <summary>The full key of the entry at restart point <paramref name="index"/>, read in place.</summary>
    private ReadOnlySpan<byte> RestartKey(int index) => _data.AsSpan(_base + RestartKeyOffset(index, out int length), length);

    /// <summary>Where the key of the entry at restart point <paramref name="index"/> starts, relative to the block.</summary>
    private int RestartKeyOffset(int index, out int length)
    {
        int start = RestartPoint(index);
        ReadOnlySpan<byte> entries = _data.AsSpan(_base, _restartsOffset);
        int p = ReadEntryHeader(entries, start, out uint shared, out uint unshared, out _);
        if (shared != 0 || unshared > (uint)(entries.Length - p))
        {
            Corrupt(start, $"the entry at restart point {index} shares {shared} bytes or its key ({unshared} bytes) does not fit the block");
        }

        if (_internalKeys && unshared < InternalKey.TrailerSize)
        {
            Corrupt(start, $"an internal key of {unshared} bytes is shorter than its trailer");
        }

        length = (int)unshared;
        return p;
    }

    /// <summary>Reads the three lengths of the entry at <paramref name="at"/>; returns where its key bytes start.</summary>
    private int ReadEntryHeader(ReadOnlySpan<byte> entries, int at, out uint shared, out uint unshared, out uint valueLength)
    {
        if (at + 3 <= entries.Length && (entries[at] | entries[at + 1] | entries[at + 2]) < 0x80)
        {
            // LevelDB's fast path: the three lengths are one byte each in almost every entry of a block.
            shared = entries[at];
            unshared = entries[at + 1];
            valueLength = entries[at + 2];
            return at + 3;
        }

        unshared = 0;
        valueLength = 0;
        int a = Varint.TryRead32(entries[at..], out shared);
        int b = a == 0 ? 0 : Varint.TryRead32(entries[(at + a)..], out unshared);
        int c = b == 0 ? 0 : Varint.TryRead32(entries[(at + a + b)..], out valueLength);
        if (c == 0)
        {
            Corrupt(at, "an entry header is cut short or malformed");
        }

        return at + a + b + c;
    }

    private void SeekToRestartPoint(int index)
    {
        _prevCount = 0;
        _keyLength = 0;
        _restartIndex = index;
        _nextOffset = RestartPoint(index);
    }

    private void MarkInvalid()
    {
        _prevCount = 0;
        _current = _nextOffset = _restartsOffset;
        _restartIndex = _numRestarts;
    }

    /// <summary>Decodes the entry at <see cref="_nextOffset"/>; returns false at the end of the entries.</summary>
    private bool ParseNextEntry()
    {
        _current = _nextOffset;
        if (_current >= _restartsOffset)
        {
            MarkInvalid();
            return false;
        }
        ReadOnlySpan<byte> entries = _data.AsSpan(_base, _restartsOffset);
        int p = ReadEntryHeader(entries, _current, out uint shared, out uint unshared, out uint valueLength);
        if (shared > (uint)_keyLength || unshared > (uint)(entries.Length - p) || valueLength > (uint)(entries.Length - p - (int)unshared))
        {
            Corrupt(_current, $"an entry's lengths (shared {shared}, unshared {unshared}, value {valueLength}) do not fit the block");
        }
        int keyLength = (int)(shared + unshared);
        if (keyLength > _key.Length)
        {
            Array.Resize(ref _key, Math.Max(keyLength, _key.Length * 2));
        }
        entries.Slice(p, (int)unshared).CopyTo(_key.AsSpan((int)shared));
        _keyLength = keyLength;
        p += (int)unshared;
        _valueOffset = p;
        _valueLength = (int)valueLength;
        _nextOffset = p + (int)valueLength;
        if (_internalKeys && _keyLength < InternalKey.TrailerSize)
        {
            Corrupt(_current, $"an internal key of {_keyLength} bytes is shorter than its trailer");
        }
        while (_restartIndex + 1 < _numRestarts && RestartPoint(_restartIndex + 1) <= _current)
        {
            _restartIndex++;
        }
        return true;
    }

    public override void SeekToFirst()
    {
        if (_numRestarts == 0)
        {
            MarkInvalid();
            return;
        }
        SeekToRestartPoint(0);
        ParseNextEntry();
    }

    public override void SeekToLast()
    {
        if (_numRestarts == 0)
        {
            MarkInvalid();
            return;
        }
        SeekToRestartPoint(_numRestarts - 1);
        while (ParseNextEntry() && _nextOffset < _restartsOffset)
        {
        }
    }

    public override void Seek(ReadOnlySpan<byte> target)
    {
        if (_numRestarts == 0)
        {
            MarkInvalid();
            return;
        }
        // Binary search for the last restart point whose key is < target. A restart entry stores its whole key
        // (shared = 0), so the probes compare in place: no key copy, no cursor state, until the final scan.
        int left = 0, right = _numRestarts - 1;
        while (left < right)
        {
            int mid = (left + right + 1) >>> 1;
            if (Compare(RestartKey(mid), target) < 0)
            {
                left = mid;
            }
            else
            {
                right = mid - 1;
            }
        }
        SeekToRestartPoint(left);
        while (ParseNextEntry())
        {
            if (Compare(Key, target) >= 0)
            {
                return;
            }
        }
    }

    public override void Next()
    {
        _prevCount = 0;
        ParseNextEntry();
    }

    public override void Prev()
    {
        if (_prevCount > 0 && _prevPosition > 0 && _prevOffsets[_prevPosition] == _current)
        {
            // The entry before this one was decoded by the scan that filled the cache: restore it.
            int i = --_prevPosition;
            _nextOffset = _current;
            _current = _prevOffsets[i];
            _valueOffset = _prevValueOffsets[i];
            _valueLength = _prevValueLengths[i];
            _keyLength = _prevKeyStarts[i + 1] - _prevKeyStarts[i];
            _prevKeys.AsSpan(_prevKeyStarts[i], _keyLength).CopyTo(_key);
            return;
        }

        int original = _current;
        while (RestartPoint(_restartIndex) >= original)
        {
            if (_restartIndex == 0)
            {
                MarkInvalid();
                return;
            }
            _restartIndex--;
        }
        SeekToRestartPoint(_restartIndex);

        // Every entry from the restart point up to the one before the original goes into the cache; _key holds the
        // longest key so far, so it is big enough for any key restored from the cache.
        int count = 0;
        while (ParseNextEntry())
        {
            Remember(count++);
            if (_nextOffset >= original)
            {
                break;
            }
        }

        _prevCount = Valid ? count : 0;
        _prevPosition = count - 1;
    }

    /// <summary>Copies the current entry into slot <paramref name="i"/> of the Prev cache, growing it if needed.</summary>
    private void Remember(int i)
    {
        if (i == _prevOffsets.Length)
        {
            Array.Resize(ref _prevOffsets, i * 2);
            Array.Resize(ref _prevValueOffsets, i * 2);
            Array.Resize(ref _prevValueLengths, i * 2);
            Array.Resize(ref _prevKeyStarts, (i * 2) + 1);
        }

        int start = i == 0 ? 0 : _prevKeyStarts[i];
        if (start + _keyLength > _prevKeys.Length)
        {
            Array.Resize(ref _prevKeys, Math.Max(start + _keyLength, _prevKeys.Length * 2));
        }

        _prevKeyStarts[i] = start;
        _key.AsSpan(0, _keyLength).CopyTo(_prevKeys.AsSpan(start));
        _prevKeyStarts[i + 1] = start + _keyLength;
        _prevOffsets[i] = _current;
        _prevValueOffsets[i] = _valueOffset;
        _prevValueLengths[i] = _valueLength;
    }

    private void Corrupt(int relativeOffset, string message) =>
        CorruptionException.Throw(_file, _fileOffset + relativeOffset, "block: " + message);
}
