using AimLsm.Kv;
using AimLsm.Encoding;
using AimLsm.Tree.Storage;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// Walks a sequence's chunks in numeric step order. A chunk's key is the sequence prefix plus its smallest step as
/// an Aim int segment (big-endian two's complement), so in key order the non-negative steps come first and the
/// negative ones after them (Aim's quirk, docs/format.md, section 12.2). Numeric order is therefore the negative
/// key range, then the non-negative one; a chunk never holds steps of both signs, so no chunk straddles the two.
/// </summary>
internal sealed class ChunkCursor : IDisposable
{
    private readonly Iterator _it;
    private readonly bool _ownsIterator;
    private readonly byte[] _prefix;
    private long _to;
    private bool _inNegative;

    public ChunkCursor(Db db, byte[] prefix, Snapshot? snapshot = null)
    {
        _prefix = prefix;
        _it = db.NewIterator(new ReadOptions { LowerBound = prefix, UpperBound = TreePath.SubtreeUpperBound(prefix), Snapshot = snapshot });
        _ownsIterator = true;
    }

    /// <summary>A cursor over <paramref name="iterator"/>, which the caller keeps and disposes (a read that also
    /// reads the sequence's metadata uses one iterator, one consistent view, for both).</summary>
    public ChunkCursor(Iterator iterator, byte[] prefix)
    {
        _prefix = prefix;
        _it = iterator;
    }

    public bool Valid { get; private set; }

    /// <summary>The smallest step of the current chunk (its key).</summary>
    public long MinStep { get; private set; }

    /// <summary>The current chunk's key.</summary>
    public ReadOnlySpan<byte> Key => _it.Key;

    /// <summary>The current chunk's value, valid until the cursor moves.</summary>
    public ReadOnlySpan<byte> Value => _it.Value;

    /// <summary>Positions on the chunk that holds <paramref name="from"/> (or the first one after it) and stops
    /// before the first chunk whose smallest step is at least <paramref name="to"/>.</summary>
    public void Start(long from, long to)
    {
        _to = to;
        _it.SeekForPrev(RepoKeys.WithInt(_prefix, from));
        _inNegative = from < 0;
        if (!OnRange(_inNegative))
        {
            _it.Seek(RepoKeys.WithInt(_prefix, _inNegative ? long.MinValue : 0));
        }

        Settle();
    }

    /// <summary>Positions on the numerically last chunk, if any (for the writer's tail).</summary>
    public void StartAtLast()
    {
        _to = long.MaxValue;
        _it.SeekForPrev(RepoKeys.WithInt(_prefix, long.MaxValue));
        _inNegative = !OnRange(negative: false);
        if (_inNegative)
        {
            _it.SeekForPrev(RepoKeys.WithInt(_prefix, -1));
        }

        Valid = OnRange(_inNegative) && ReadMinStep();
    }

    public void Next()
    {
        _it.Next();
        Settle();
    }

    public void Dispose()
    {
        if (_ownsIterator)
        {
            _it.Dispose();
        }
    }

    private void Settle()
    {
        if (_inNegative && !OnRange(negative: true))
        {
            _inNegative = false;
            _it.Seek(RepoKeys.WithInt(_prefix, 0));
        }

        Valid = OnRange(_inNegative) && ReadMinStep() && MinStep < _to;
    }

    private bool OnRange(bool negative)
    {
        if (!_it.Valid)
        {
            return false;
        }

        ReadOnlySpan<byte> key = _it.Key;
        return key.Length == _prefix.Length + TreePath.IntSegmentLength && key.StartsWith(_prefix) &&
            key[_prefix.Length] == TreePath.Separator && key[_prefix.Length + 1] >= 0x80 == negative;
    }

    private bool ReadMinStep()
    {
        if (!RepoKeys.TryReadInt(_it.Key[_prefix.Length..], out long step))
        {
            throw new AimFormatException("sequence chunk key", _prefix.Length, "not an int segment");
        }

        MinStep = step;
        return true;
    }
}
