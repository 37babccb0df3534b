namespace AimLsm.Kv.RangeDel;

/// <summary>
/// The range tombstones an iterator checks each entry against, in two fragmented lists: the mutable memtable's
/// (cached by the memtable until its next range deletion) and the frozen rest of its super version (the immutable
/// memtable and every table file, fragmented once per super version). Neither list is rebuilt per iterator, so
/// opening an iterator costs nothing in the number of tombstones however many runs were deleted or rewritten; each
/// lookup costs two binary searches. Both lists keep every sequence number; the snapshot filters at lookup.
/// </summary>
internal readonly struct IteratorTombstones(FragmentedRangeTombstones mutable, FragmentedRangeTombstones frozen)
{
    private readonly FragmentedRangeTombstones _mutable = mutable;
    private readonly FragmentedRangeTombstones _frozen = frozen;

    /// <summary>The newest tombstone covering <paramref name="userKey"/> visible at <paramref name="snapshot"/>, or 0.</summary>
    public ulong MaxCoveringSequence(ReadOnlySpan<byte> userKey, ulong snapshot)
    {
        ulong a = _mutable.IsEmpty ? 0 : _mutable.MaxCoveringSequence(userKey, snapshot);
        ulong b = _frozen.IsEmpty ? 0 : _frozen.MaxCoveringSequence(userKey, snapshot);
        return Math.Max(a, b);
    }
}
