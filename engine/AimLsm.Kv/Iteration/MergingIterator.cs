using AimLsm.Kv.Keys;

namespace AimLsm.Kv.Iteration;

/// <summary>
/// Merges child cursors into one in internal-key order (LevelDB's merger.cc). Internal keys are unique across
/// children (every entry has its own sequence number), so there are no ties to break.
/// A linear scan picks the smallest (or largest) child: children are few (memtables, L0 files, one per level).
/// Changing direction repositions every other child around the current key. Owns and disposes its children.
/// </summary>
internal sealed class MergingIterator(InternalIterator[] children) : InternalIterator
{
    private readonly InternalIterator[] _children = children;
    private InternalIterator? _current;
    private bool _forward = true;

    public override bool Valid => _current is not null && _current.Valid;

    public override ReadOnlySpan<byte> Key => _current!.Key;

    public override ReadOnlySpan<byte> Value => _current!.Value;

    public override void SeekToFirst()
    {
        foreach (InternalIterator c in _children)
        {
            c.SeekToFirst();
        }
        _forward = true;
        FindSmallest();
    }

    public override void SeekToLast()
    {
        foreach (InternalIterator c in _children)
        {
            c.SeekToLast();
        }
        _forward = false;
        FindLargest();
    }

    public override void Seek(ReadOnlySpan<byte> internalKey)
    {
        foreach (InternalIterator c in _children)
        {
            c.Seek(internalKey);
        }
        _forward = true;
        FindSmallest();
    }

    public override void Next()
    {
        if (!_forward)
        {
            // Every child but the current one sits before the current key; move each to the first entry after it.
            ReadOnlySpan<byte> key = _current!.Key;
            foreach (InternalIterator c in _children)
            {
                if (c == _current)
                {
                    continue;
                }
                c.Seek(key);
                if (c.Valid && InternalKey.Compare(c.Key, key) == 0)
                {
                    c.Next();
                }
            }
            _forward = true;
        }
        _current!.Next();
        FindSmallest();
    }

    public override void Prev()
    {
        if (_forward)
        {
            // Every child but the current one sits at or after the current key; move each to the last entry before it.
            ReadOnlySpan<byte> key = _current!.Key;
            foreach (InternalIterator c in _children)
            {
                if (c == _current)
                {
                    continue;
                }
                c.Seek(key);
                if (c.Valid)
                {
                    c.Prev();
                }
                else
                {
                    c.SeekToLast();
                }
            }
            _forward = false;
        }
        _current!.Prev();
        FindLargest();
    }

    private void FindSmallest()
    {
        InternalIterator? best = null;
        foreach (InternalIterator c in _children)
        {
            if (c.Valid && (best is null || InternalKey.Compare(c.Key, best.Key) < 0))
            {
                best = c;
            }
        }
        _current = best;
    }

    private void FindLargest()
    {
        InternalIterator? best = null;
        foreach (InternalIterator c in _children)
        {
            if (c.Valid && (best is null || InternalKey.Compare(c.Key, best.Key) > 0))
            {
                best = c;
            }
        }
        _current = best;
    }

    public override void Dispose()
    {
        foreach (InternalIterator c in _children)
        {
            c.Dispose();
        }
        base.Dispose();
    }
}
