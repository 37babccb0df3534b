using AimLsm.Kv.Common;
using AimLsm.Kv.Iteration;
using AimLsm.Kv.Keys;
using AimLsm.Kv.RangeDel;

namespace AimLsm.Kv;

/// <summary>
/// A cursor over the database's keys in unsigned bytewise order, as of one sequence number: a consistent
/// point-in-time view however writes and flushes go on. RocksDB's iterator: <see cref="Seek"/> finds the first key
/// at or after a target, <see cref="SeekForPrev"/> the last key at or before it; <see cref="ReadOptions.LowerBound"/>
/// is inclusive and <see cref="ReadOptions.UpperBound"/> exclusive.
/// <see cref="Key"/> and <see cref="Value"/> stay valid until the iterator moves or is disposed.
/// Not thread-safe; dispose it before the database.
/// </summary>
public sealed class Iterator : IDisposable
{
    private readonly Db _db;
    private readonly InternalIterator _iter;
    private readonly ulong _sequence;
    private readonly IteratorTombstones _tombstones;
    private readonly byte[]? _lower;
    private readonly byte[]? _upper;
    private byte[] _key = new byte[64];
    private int _keyLength;
    private byte[] _value = new byte[256];
    private int _valueLength;
    private byte[] _seekKey = new byte[64];
    private bool _valid;
    private bool _forward = true;

    /// <summary>
    /// True when the current value is the internal cursor's (forward iteration leaves the cursor on the entry it
    /// returns, so the value needs no copy until the next move); false when it was saved into <see cref="_value"/>
    /// (backward iteration moves the cursor past the entry before it knows which version wins).
    /// </summary>
    private bool _valueInCursor;
    private bool _disposed;

    private readonly IDisposable _resources;

    internal Iterator(Db db, InternalIterator iter, ulong sequence, IteratorTombstones tombstones, ReadOptions options, IDisposable resources)
    {
        _db = db;
        _resources = resources;
        _iter = iter;
        _sequence = sequence;
        _tombstones = tombstones;
        _lower = options.LowerBound;
        _upper = options.UpperBound;
    }

    /// <summary>True when the iterator is positioned at an entry.</summary>
    public bool Valid => _valid;

    /// <summary>The current key. REQUIRES: <see cref="Valid"/>.</summary>
    public ReadOnlySpan<byte> Key
    {
        get
        {
            RequireValid();
            return _key.AsSpan(0, _keyLength);
        }
    }

    /// <summary>The current value. REQUIRES: <see cref="Valid"/>.</summary>
    public ReadOnlySpan<byte> Value
    {
        get
        {
            RequireValid();
            return _valueInCursor ? _iter.Value : _value.AsSpan(0, _valueLength);
        }
    }

    /// <summary>Positions at the first key (at or after the lower bound).</summary>
    public void SeekToFirst()
    {
        CheckUsable();
        _forward = true;
        if (_lower is not null)
        {
            _iter.Seek(SeekKey(_lower, InternalKey.MaxSequence, EntryType.ForSeek));
        }
        else
        {
            _iter.SeekToFirst();
        }
        FindNextUserEntry(skipping: false);
    }

    /// <summary>Positions at the last key (below the upper bound).</summary>
    public void SeekToLast()
    {
        CheckUsable();
        _forward = false;
        if (_upper is not null)
        {
            _iter.Seek(SeekKey(_upper, InternalKey.MaxSequence, EntryType.ForSeek));
            StepBackFromSeek();
        }
        else
        {
            _iter.SeekToLast();
        }
        FindPrevUserEntry();
    }

    /// <summary>Positions at the first key at or after <paramref name="target"/>.</summary>
    public void Seek(ReadOnlySpan<byte> target)
    {
        CheckUsable();
        _forward = true;
        if (_lower is not null && target.SequenceCompareTo(_lower) < 0)
        {
            target = _lower;
        }
        _iter.Seek(SeekKey(target, InternalKey.MaxSequence, EntryType.ForSeek));
        FindNextUserEntry(skipping: false);
    }

    /// <summary>Positions at the last key at or before <paramref name="target"/>.</summary>
    public void SeekForPrev(ReadOnlySpan<byte> target)
    {
        CheckUsable();
        if (_upper is not null && target.SequenceCompareTo(_upper) >= 0)
        {
            SeekToLast();
            return;
        }
        _forward = false;
        // (target, sequence 0) sorts after every version of target: step back from the first entry past it.
        _iter.Seek(SeekKey(target, 0, EntryType.Deletion));
        StepBackFromSeek();
        FindPrevUserEntry();
    }

    /// <summary>Moves to the next key. REQUIRES: <see cref="Valid"/>.</summary>
    public void Next()
    {
        CheckUsable();
        RequireValid();
        if (!_forward)
        {
            // The cursor sits before the current key's entries: go to its newest entry, then skip past them all.
            _iter.Seek(SeekKey(_key.AsSpan(0, _keyLength), InternalKey.MaxSequence, EntryType.ForSeek));
            _forward = true;
        }
        else
        {
            _iter.Next();
        }
        FindNextUserEntry(skipping: true);
    }

    /// <summary>Moves to the previous key. REQUIRES: <see cref="Valid"/>.</summary>
    public void Prev()
    {
        CheckUsable();
        RequireValid();
        if (_forward)
        {
            // The cursor sits on the current key's entries: go to just before the newest of them.
            _iter.Seek(SeekKey(_key.AsSpan(0, _keyLength), InternalKey.MaxSequence, EntryType.ForSeek));
            StepBackFromSeek();
            _forward = false;
        }
        FindPrevUserEntry();
    }

    private void StepBackFromSeek()
    {
        if (_iter.Valid)
        {
            _iter.Prev();
        }
        else
        {
            _iter.SeekToLast();
        }
    }

    /// <summary>
    /// Forward: from the cursor, finds the first user key whose newest visible version is a live value.
    /// With <paramref name="skipping"/>, entries for keys up to the saved key are hidden (already returned or deleted).
    /// </summary>
    private void FindNextUserEntry(bool skipping)
    {
        while (_iter.Valid)
        {
            ReadOnlySpan<byte> ikey = _iter.Key;
            ReadOnlySpan<byte> ukey = InternalKey.UserKey(ikey);
            if (_upper is not null && ukey.SequenceCompareTo(_upper) >= 0)
            {
                break;
            }
            ulong trailer = InternalKey.Trailer(ikey);
            ulong seq = trailer >> 8;
            if (seq <= _sequence && !(skipping && ukey.SequenceCompareTo(_key.AsSpan(0, _keyLength)) <= 0))
            {
                SaveKey(ukey);
                skipping = true;
                if ((EntryType)(byte)trailer == EntryType.Value && _tombstones.MaxCoveringSequence(ukey, _sequence) < seq)
                {
                    _valueInCursor = true;
                    _valid = true;
                    return;
                }
            }
            _iter.Next();
        }
        _valid = false;
    }

    /// <summary>
    /// Backward: from the cursor, walks entries (oldest version of each key first) until it has passed every entry of
    /// a key whose newest visible version is a live value. Leaves the cursor just before that key's entries.
    /// </summary>
    private void FindPrevUserEntry()
    {
        bool haveValue = false;
        while (_iter.Valid)
        {
            ReadOnlySpan<byte> ikey = _iter.Key;
            ReadOnlySpan<byte> ukey = InternalKey.UserKey(ikey);
            if (_lower is not null && ukey.SequenceCompareTo(_lower) < 0)
            {
                break;
            }
            ulong trailer = InternalKey.Trailer(ikey);
            ulong seq = trailer >> 8;
            if (seq <= _sequence && (_upper is null || ukey.SequenceCompareTo(_upper) < 0))
            {
                if (haveValue && ukey.SequenceCompareTo(_key.AsSpan(0, _keyLength)) < 0)
                {
                    break; // passed all entries of the saved key
                }
                bool live = (EntryType)(byte)trailer == EntryType.Value && _tombstones.MaxCoveringSequence(ukey, _sequence) < seq;
                if (live)
                {
                    SaveKey(ukey);
                    SaveValue(_iter.Value);
                    _valueInCursor = false;
                }
                haveValue = live;
            }
            _iter.Prev();
        }
        _valid = haveValue;
    }

    private void SaveKey(ReadOnlySpan<byte> key)
    {
        if (key.Length > _key.Length)
        {
            _key = new byte[Math.Max(key.Length, _key.Length * 2)];
        }
        key.CopyTo(_key);
        _keyLength = key.Length;
    }

    private void SaveValue(ReadOnlySpan<byte> value)
    {
        if (value.Length > _value.Length)
        {
            _value = new byte[Math.Max(value.Length, _value.Length * 2)];
        }
        value.CopyTo(_value);
        _valueLength = value.Length;
    }

    private ReadOnlySpan<byte> SeekKey(ReadOnlySpan<byte> userKey, ulong sequence, EntryType type)
    {
        int need = userKey.Length + InternalKey.TrailerSize;
        if (need > _seekKey.Length)
        {
            _seekKey = new byte[Math.Max(need, _seekKey.Length * 2)];
        }
        return _seekKey.AsSpan(0, InternalKey.Write(_seekKey, userKey, sequence, type));
    }

    private void RequireValid()
    {
        if (!_valid)
        {
            ThrowHelper.ThrowInvalidOperation("The iterator is not positioned at an entry (Valid is false).");
        }
    }

    private void CheckUsable()
    {
        if (_disposed)
        {
            ThrowHelper.ThrowObjectDisposed(nameof(Iterator));
        }
        if (_db.IsDisposed)
        {
            ThrowHelper.ThrowObjectDisposed(nameof(Db));
        }
    }

    /// <summary>Releases the iterator's buffers and its hold on the files it reads.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _valid = false;
            _iter.Dispose();
            _resources.Dispose();
        }
    }
}
