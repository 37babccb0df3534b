using System.Buffers.Binary;
using System.Text;
using AimLsm.Kv.Common;
using AimLsm.Kv.IO;
using AimLsm.Kv.Cache;
using AimLsm.Kv.Iteration;
using AimLsm.Kv.Keys;
using AimLsm.Kv.RangeDel;

namespace AimLsm.Kv.Sst;

/// <summary>
/// An open SSTable. Opening reads and checks the footer, the index, the properties, the range tombstones and the
/// bloom filter, which stay in memory (pinned: "index and filter blocks cached or pinned"); data blocks are read on
/// demand through the block cache of <see cref="TableOptions.Cache"/> when there is one, their checksums verified
/// on every read from the file (block reading: TableReader.Blocks.cs).
/// Thread-safe: any number of concurrent <c>Get</c> calls and iterators.
/// </summary>
internal sealed partial class TableReader : IDisposable
{
    [ThreadStatic]
    private static BlockIterator? t_indexIter;
    [ThreadStatic]
    private static BlockIterator? t_dataIter;

    private readonly IReadableFile _file;
    private readonly byte[] _index;
    private readonly long _indexOffset;
    private readonly uint _formatVersion;
    private readonly BloomFilter? _filter;
    private readonly IndexSearch? _search; // null for an index it cannot serve: the block's own search then
    private readonly BlockCache? _cache;
    private readonly TableStatistics _stats;

    private TableReader(IReadableFile file, ulong fileNumber, uint formatVersion, byte[] index, long indexOffset,
        TableProperties properties, RangeTombstone[] tombstones, BloomFilter? filter, TableOptions options)
    {
        _file = file;
        FileNumber = fileNumber;
        _formatVersion = formatVersion;
        _index = index;
        _indexOffset = indexOffset;
        Properties = properties;
        RawTombstones = tombstones;
        Tombstones = FragmentedRangeTombstones.Build(tombstones);
        _filter = filter;
        _search = IndexSearch.TryBuild(index, file.Path, indexOffset);
        _cache = options.Cache;
        _stats = options.Statistics;
    }

    public ulong FileNumber { get; }

    /// <summary>Where the index block starts, for error messages about it.</summary>
    public long IndexOffset => _indexOffset;

    public string Path => _file.Path;

    public long FileSize => _file.Length;

    public TableProperties Properties { get; }

    public RangeTombstone[] RawTombstones { get; }

    public FragmentedRangeTombstones Tombstones { get; }

    /// <summary>The table format version from the footer (1..<see cref="TableFormat.CurrentVersion"/>).</summary>
    public uint FormatVersion => _formatVersion;

    /// <summary>True when the table has a bloom filter this build understands.</summary>
    public bool HasFilter => _filter is not null;

    /// <summary>The block cache the table reads through, or null.</summary>
    internal BlockCache? Cache => _cache;

    /// <summary>
    /// Opens and checks a table; takes ownership of <paramref name="file"/> (disposed on failure too). Throws
    /// <see cref="CorruptionException"/> naming the file and offset on damage.
    /// </summary>
    public static TableReader Open(IReadableFile file, ulong fileNumber, TableOptions options)
    {
        try
        {
            return OpenCore(file, fileNumber, options);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static TableReader OpenCore(IReadableFile file, ulong fileNumber, TableOptions options)
    {
        string path = file.Path;
        long size = file.Length;
        if (size < TableFormat.FooterSize)
        {
            CorruptionException.Throw(path, 0, $"the file is {size} bytes, shorter than an SSTable footer ({TableFormat.FooterSize})");
        }
        long footerOffset = size - TableFormat.FooterSize;
        Span<byte> footer = stackalloc byte[TableFormat.FooterSize];
        if (file.Read(footerOffset, footer) != footer.Length)
        {
            CorruptionException.Throw(path, footerOffset, "the footer could not be read in full");
        }
        if (BinaryPrimitives.ReadUInt64LittleEndian(footer[49..]) != TableFormat.Magic)
        {
            CorruptionException.Throw(path, footerOffset + 49, "bad magic number: not an AimLsm SSTable, or truncated");
        }
        if (Checksum.ComputeMasked(footer[..45]) != BinaryPrimitives.ReadUInt32LittleEndian(footer[45..]))
        {
            CorruptionException.Throw(path, footerOffset, "footer checksum mismatch");
        }
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(footer[41..]);
        if (version is 0 or > TableFormat.CurrentVersion)
        {
            CorruptionException.Throw(path, footerOffset + 41, $"unsupported table format version {version} (this build reads 1..{TableFormat.CurrentVersion})");
        }
        if (footer[0] != TableFormat.ChecksumCrc32C)
        {
            CorruptionException.Throw(path, footerOffset, $"unknown checksum type {footer[0]}");
        }
        int n = BlockHandle.TryDecode(footer[1..41], out BlockHandle metaHandle);
        BlockHandle indexHandle = default;
        int m = n == 0 ? 0 : BlockHandle.TryDecode(footer[(1 + n)..41], out indexHandle);
        if (m == 0)
        {
            CorruptionException.Throw(path, footerOffset + 1, "the footer's block handles are malformed");
        }

        byte[] index = ReadBlockExact(file, version, indexHandle, footerOffset);
        byte[] metaindex = ReadBlockExact(file, version, metaHandle, footerOffset);
        var metaIter = new BlockIterator(internalKeys: false);
        metaIter.Reset(metaindex, 0, metaindex.Length, path, (long)metaHandle.Offset);
        TableProperties? props = null;
        BloomFilter? filter = null;
        var tombstones = new List<RangeTombstone>();
        for (metaIter.SeekToFirst(); metaIter.Valid; metaIter.Next())
        {
            string name = Encoding.ASCII.GetString(metaIter.Key);
            if (BlockHandle.TryDecode(metaIter.Value, out BlockHandle h) == 0)
            {
                CorruptionException.Throw(path, (long)metaHandle.Offset, $"metaindex: the handle of '{name}' is malformed");
            }
            if (name == TableFormat.PropertiesBlockName)
            {
                byte[] block = ReadBlockExact(file, version, h, footerOffset);
                var it = new BlockIterator(internalKeys: false);
                it.Reset(block, 0, block.Length, path, (long)h.Offset);
                props = TableProperties.Read(it, path, (long)h.Offset);
            }
            else if (name == TableFormat.RangeDelBlockName)
            {
                byte[] block = ReadBlockExact(file, version, h, footerOffset);
                var it = new BlockIterator(internalKeys: true);
                it.Reset(block, 0, block.Length, path, (long)h.Offset);
                for (it.SeekToFirst(); it.Valid; it.Next())
                {
                    ulong trailer = InternalKey.Trailer(it.Key);
                    if ((EntryType)(byte)trailer != EntryType.RangeDeletion)
                    {
                        CorruptionException.Throw(path, (long)h.Offset, "range-del block: an entry is not a range deletion");
                    }
                    tombstones.Add(new RangeTombstone(InternalKey.UserKey(it.Key).ToArray(), it.Value.ToArray(), trailer >> 8));
                }
            }
            else if (name == TableFormat.FilterBlockName)
            {
                byte[] block = ReadBlockExact(file, version, h, footerOffset);
                filter = BloomFilter.Parse(block, path, (long)h.Offset);
            }
        }
        if (props is null)
        {
            CorruptionException.Throw(path, (long)metaHandle.Offset, "the table has no properties block");
        }
        return new TableReader(file, fileNumber, version, index, (long)indexHandle.Offset, props, [.. tombstones], filter, options);
    }

    /// <summary>The index's integer search (<see cref="IndexSearch"/>), or null when the index block's own search serves.</summary>
    internal IndexSearch? Search => _search;

    internal BlockIterator NewIndexIterator(BlockIterator? reuse = null)
    {
        BlockIterator it = reuse ?? new BlockIterator(internalKeys: true);
        it.Reset(_index, 0, _index.Length, Path, _indexOffset);
        return it;
    }

    internal static BlockHandle DecodeIndexValue(BlockIterator index, string path, long offset)
    {
        if (BlockHandle.TryDecode(index.Value, out BlockHandle h) == 0)
        {
            CorruptionException.Throw(path, offset, "index block: a block handle is malformed");
        }
        return h;
    }

    /// <summary>
    /// Finds the newest point entry at or below the snapshot for the user key of <paramref name="seekKey"/>
    /// (a seek key: user key + (snapshot, <see cref="EntryType.ForSeek"/>)) that is newer than
    /// <paramref name="coveringSequence"/> (the newest range tombstone over the key). On a value, hands it to
    /// <paramref name="sink"/> before the block buffer is released. False when no such entry exists.
    /// </summary>
    public bool Get<TSink>(ReadOnlySpan<byte> seekKey, ulong coveringSequence, out EntryType type, out ulong sequence, ref TSink sink)
        where TSink : struct, IValueSink =>
        Get(seekKey, BloomFilter.KeyHash(InternalKey.UserKey(seekKey)), coveringSequence, out type, out sequence, ref sink);

    /// <summary>As the overload above, with the user key's <see cref="BloomFilter.KeyHash"/> already computed (a point
    /// lookup hashes its key once for every table it probes). With <paramref name="fillCache"/> false a block read
    /// from the file is not inserted into the cache.</summary>
    public bool Get<TSink>(ReadOnlySpan<byte> seekKey, ulong userKeyHash, ulong coveringSequence, out EntryType type, out ulong sequence, ref TSink sink, bool fillCache = true)
        where TSink : struct, IValueSink
    {
        type = default;
        sequence = 0;
        if (!MayContainHash(userKeyHash))
        {
            return false;
        }
        BlockHandle handle;
        if (_search is not null)
        {
            int entry = _search.Seek(seekKey);
            if (entry == _search.Count)
            {
                return false;
            }
            handle = _search.Handle(entry);
        }
        else
        {
            BlockIterator index = NewIndexIterator(t_indexIter ??= new BlockIterator(internalKeys: true));
            index.Seek(seekKey);
            if (!index.Valid)
            {
                return false;
            }
            handle = DecodeIndexValue(index, Path, _indexOffset);
        }
        byte[] raw = [];
        byte[] decoded = [];
        BlockHandleRef cached = default;
        try
        {
            byte[] block = LoadDataBlock(handle, fillCache, lowPriority: false, ref raw, ref decoded, out cached, out int length);
            BlockIterator data = t_dataIter ??= new BlockIterator(internalKeys: true);
            data.Reset(block, 0, length, Path, (long)handle.Offset);
            data.Seek(seekKey);
            if (!data.Valid)
            {
                return false;
            }
            ReadOnlySpan<byte> key = data.Key;
            if (!InternalKey.UserKey(key).SequenceEqual(InternalKey.UserKey(seekKey)))
            {
                return false;
            }
            ulong trailer = InternalKey.Trailer(key);
            if ((trailer >> 8) <= coveringSequence)
            {
                return false;
            }
            type = (EntryType)(byte)trailer;
            sequence = trailer >> 8;
            if (type == EntryType.Value)
            {
                sink.SetValue(data.Value);
            }
            return true;
        }
        finally
        {
            cached.Release();
            ReturnToPool(raw);
            ReturnToPool(decoded);
        }
    }

    /// <summary>
    /// False when the table certainly holds no point entry for <paramref name="userKey"/> (its bloom filter says
    /// so); true when it may, or when the table has no filter. Range tombstones are not covered by the filter.
    /// </summary>
    internal bool MayContain(ReadOnlySpan<byte> userKey) => _filter is null || MayContainHash(BloomFilter.KeyHash(userKey));

    /// <summary><see cref="MayContain"/> for a key whose <see cref="BloomFilter.KeyHash"/> is given.</summary>
    internal bool MayContainHash(ulong userKeyHash)
    {
        if (_filter is null)
        {
            return true;
        }
        bool may = _filter.MayContainHash(userKeyHash);
        _stats.CountFilterCheck(negative: !may);
        return may;
    }

    /// <summary>
    /// A cursor over the table. With <paramref name="fillCache"/> false it reads cached blocks but inserts none it
    /// reads from the file (RocksDB's <c>ReadOptions::fill_cache</c>); see <see cref="TableIterator"/>.
    /// </summary>
    public InternalIterator NewIterator(bool fillCache = true) => new TableIterator(this, fillCache);

    public void Dispose() => _file.Dispose();
}

/// <summary>Receives a value found by a point lookup, before the buffer holding it is released.</summary>
internal interface IValueSink
{
    void SetValue(ReadOnlySpan<byte> value);
}
