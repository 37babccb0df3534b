using AimLsm.Kv.Memtable;
using AimLsm.Kv.RangeDel;
using TableCache = AimLsm.Kv.Versions.TableCache;

namespace AimLsm.Kv;

/// <summary>
/// What a read sees, swapped atomically as one: the mutable memtable, the frozen ones waiting to be flushed, and the version
/// of the table files. Reference-counted: the database holds one reference while it is current, and each read or
/// iterator holds one while it uses it, so the version's files outlive every reader. The first reference on the
/// version is taken at construction and dropped when the count reaches zero.
/// </summary>
internal sealed class SuperVersion
{
    private int _refs = 1;

    public SuperVersion(MemTable mem, MemTable[] imms, Versions.Version version)
    {
        Mem = mem;
        Imms = imms;
        Version = version;
        version.Ref();
        mem.Ref();
        foreach (MemTable imm in imms)
        {
            imm.Ref();
        }
    }

    public MemTable Mem { get; }

    /// <summary>
    /// The frozen memtables, newest first (empty when none; never modified once published). The flush thread writes
    /// the last one, the oldest, so that L0 tables keep the order of their data; a read searches them in this order
    /// after <see cref="Mem"/>, since a newer memtable's entries shadow an older one's.
    /// </summary>
    public MemTable[] Imms { get; }

    public Versions.Version Version { get; }

    private FragmentedRangeTombstones? _frozenTombstones;

    /// <summary>
    /// The range tombstones of the immutable memtable and of every table file, fragmented on first use and kept for
    /// the life of this super version (its parts never change). <paramref name="tables"/> are the open readers of
    /// <see cref="Version"/>'s files, in any order. Two iterators racing here may both build; either result is the same.
    /// </summary>
    public FragmentedRangeTombstones FrozenTombstones(IReadOnlyList<TableCache.Entry> tables)
    {
        FragmentedRangeTombstones? built = Volatile.Read(ref _frozenTombstones);
        if (built is not null)
        {
            return built;
        }
        var all = new List<RangeTombstone>();
        foreach (MemTable imm in Imms)
        {
            all.AddRange(imm.RangeTombstones());
        }
        foreach (TableCache.Entry e in tables)
        {
            all.AddRange(e.Reader.RawTombstones);
        }
        built = all.Count == 0 ? FragmentedRangeTombstones.Empty : FragmentedRangeTombstones.Build(all);
        return Interlocked.CompareExchange(ref _frozenTombstones, built, null) ?? built;
    }

    /// <summary>Takes a reference unless the super version was already released (then the caller reads the newer one).</summary>
    public bool TryRef()
    {
        while (true)
        {
            int r = Volatile.Read(ref _refs);
            if (r == 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _refs, r + 1, r) == r)
            {
                return true;
            }
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0)
        {
            Version.Unref();
            Mem.Unref();
            foreach (MemTable imm in Imms)
            {
                imm.Unref();
            }
        }
    }
}
