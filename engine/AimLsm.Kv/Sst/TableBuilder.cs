using System.Buffers.Binary;
using System.Text;
using AimLsm.Kv.Common;
using AimLsm.Kv.IO;
using AimLsm.Kv.Keys;
using AimLsm.Kv.RangeDel;

namespace AimLsm.Kv.Sst;

/// <summary>What a finished table covers, for the MANIFEST.</summary>
internal readonly record struct TableSummary(
    long FileSize, byte[] Smallest, byte[] Largest, ulong SmallestSequence, ulong LargestSequence, ulong Entries);

/// <summary>
/// Writes one SSTable (layout in <see cref="TableFormat"/>), format version <see cref="TableFormat.CurrentVersion"/>.
/// Point entries arrive in internal-key order through <see cref="Add"/>; range tombstones through
/// <see cref="AddRangeTombstone"/> in any order. Data blocks are compressed as <see cref="TableOptions.Compression"/>
/// says (a block that does not shrink by 1/8 is stored raw); every other block is stored raw. The user keys of
/// point entries feed the bloom filter when <see cref="TableOptions.BloomBitsPerKey"/> is above 0.
/// The caller syncs and closes the file after <see cref="Finish"/>. Not thread-safe.
/// </summary>
internal sealed class TableBuilder
{
    private readonly IWritableFile _file;
    private readonly int _blockSize;
    private readonly bool _compress;
    private readonly BloomFilterBuilder? _filter;
    private byte[] _compressed = [];
    private readonly BlockBuilder _data;
    private readonly BlockBuilder _index = new(1);
    private readonly List<RangeTombstone> _tombstones = [];
    private readonly TableProperties _props = new();
    private long _offset;
    private byte[]? _smallest;
    private ulong _minSeq = ulong.MaxValue;
    private ulong _maxSeq;

    public TableBuilder(IWritableFile file, TableOptions options)
    {
        _file = file;
        _blockSize = options.BlockSize;
        _data = new BlockBuilder(options.RestartInterval);
        _compress = options.Compression == Compression.Lz4;
        _filter = options.BloomBitsPerKey > 0 ? new BloomFilterBuilder(options.BloomBitsPerKey) : null;
    }

    /// <summary>Adds a point entry. REQUIRES: <paramref name="internalKey"/> sorts after every key added before.</summary>
    public void Add(ReadOnlySpan<byte> internalKey, ReadOnlySpan<byte> value)
    {
        Invariant.Holds(_data.IsEmpty || InternalKey.Compare(_data.LastKey, internalKey) < 0, "a table's keys ascend strictly");
        _smallest ??= internalKey.ToArray();
        ulong trailer = InternalKey.Trailer(internalKey);
        Track(trailer >> 8);
        if ((EntryType)(byte)trailer == EntryType.Deletion)
        {
            _props.Deletions++;
        }
        _props.Entries++;
        _props.RawKeySize += (ulong)internalKey.Length;
        _props.RawValueSize += (ulong)value.Length;
        _filter?.AddKey(InternalKey.UserKey(internalKey));
        if (!_data.IsEmpty && (value.Length >= LargeValueBytes || WouldOverflow(internalKey.Length, value.Length)))
        {
            FlushDataBlock();
        }
        if (_pendingIndexKey is not null)
        {
            AddIndexEntry(ShortestSeparator(_pendingIndexKey, internalKey));
        }
        if (value.Length >= LargeValueBytes)
        {
            WriteLargeEntryBlock(internalKey, value);
            return;
        }
        _data.Add(internalKey, value);
        if (_data.EstimatedSize >= _blockSize)
        {
            FlushDataBlock();
        }
    }

    /// <summary>
    /// True when the block is at least 90% full and the next entry could push it past BlockSize minus the trailer.
    /// Closing it first keeps a typical block and its trailer within BlockSize bytes, so that with the default
    /// 4 KiB it fits a 4 KiB pooled buffer instead of an 8 KiB one (RocksDB's block_size_deviation of 10%).
    /// </summary>
    private bool WouldOverflow(int keyLength, int valueLength)
    {
        int size = _data.EstimatedSize;
        int worstAfter = size + (3 * Common.Varint.MaxLength32) + keyLength + valueLength + 4; // + a restart point
        return worstAfter > _blockSize - TableFormat.BlockTrailerSize && size >= _blockSize - (_blockSize / 10);
    }

    public void AddRangeTombstone(RangeTombstone tombstone)
    {
        Track(tombstone.Sequence);
        _tombstones.Add(tombstone);
    }

    private void Track(ulong seq)
    {
        _minSeq = Math.Min(_minSeq, seq);
        _maxSeq = Math.Max(_maxSeq, seq);
    }

    private byte[]? _largestPoint;

    // The index entry of the last flushed data block waits for the next key, so that its key can be a short
    // separator between the two blocks rather than the block's full last key (LevelDB's pending_index_entry).
    private byte[]? _pendingIndexKey;
    private BlockHandle _pendingHandle;

    private void AddIndexEntry(ReadOnlySpan<byte> key)
    {
        Span<byte> h = stackalloc byte[BlockHandle.MaxEncodedLength];
        _index.Add(key, h[.._pendingHandle.EncodeTo(h)]);
        _pendingIndexKey = null;
    }

    /// <summary>
    /// A key k with <paramref name="last"/> ≤ k &lt; <paramref name="next"/>, as short as LevelDB's
    /// FindShortestSeparator makes it: the common user-key prefix plus the first differing byte raised by one,
    /// with the trailer that sorts first for that user key. Shorter index keys make a smaller index block, and a
    /// seek's binary search over it touches fewer cache lines. Falls back to <paramref name="last"/> itself.
    /// </summary>
    internal static ReadOnlySpan<byte> ShortestSeparator(byte[] last, ReadOnlySpan<byte> next)
    {
        ReadOnlySpan<byte> start = InternalKey.UserKey(last);
        ReadOnlySpan<byte> limit = InternalKey.UserKey(next);
        int common = start.CommonPrefixLength(limit);
        if (common >= Math.Min(start.Length, limit.Length) || common + 1 >= start.Length)
        {
            return last; // one user key is a prefix of the other, or nothing would get shorter
        }
        byte differing = start[common];
        if (differing == 0xFF || differing + 1 >= limit[common])
        {
            return last;
        }
        Span<byte> user = stackalloc byte[common + 1];
        start[..common].CopyTo(user);
        user[common] = (byte)(differing + 1);
        return InternalKey.Make(user, InternalKey.MaxSequence, EntryType.RangeDeletion);
    }

    private void FlushDataBlock()
    {
        if (_data.IsEmpty)
        {
            return;
        }
        byte[] last = _data.LastKey.ToArray();
        ReadOnlySpan<byte> contents = _data.Finish();
        _props.DataUncompressedSize += (ulong)contents.Length;
        BlockHandle handle = WriteBlock(contents, _compress);
        _props.DataBlocks++;
        _props.DataSize = (ulong)_offset;
        _pendingIndexKey = last;
        _pendingHandle = handle;
        _largestPoint = last;
        _data.Reset();
    }

    /// <summary>
    /// A value this large gets a data block of its own, written from the caller's span (the memtable's arena or a
    /// compaction input) straight to the file, stored raw: building it in the block buffer, and compressing it into
    /// a scratch buffer, would each hold another whole copy of the value while the table is written.
    /// </summary>
    internal const int LargeValueBytes = 1 << 20;

    /// <summary>Writes a data block of the one entry (<paramref name="internalKey"/>, <paramref name="value"/>), the
    /// bytes the block builder would produce for it, without copying the value. REQUIRES: the data block is empty.</summary>
    private void WriteLargeEntryBlock(ReadOnlySpan<byte> internalKey, ReadOnlySpan<byte> value)
    {
        System.Diagnostics.Debug.Assert(_data.IsEmpty, "a large entry starts its own block");
        Span<byte> head = stackalloc byte[3 * Varint.MaxLength32];
        int n = Varint.Write(head, 0u); // shared: the first entry of a block shares nothing
        n += Varint.Write(head[n..], (uint)internalKey.Length);
        n += Varint.Write(head[n..], (uint)value.Length);
        Span<byte> restarts = stackalloc byte[8]; // one restart point at offset 0, then the count 1
        BinaryPrimitives.WriteUInt32LittleEndian(restarts, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(restarts[4..], 1);
        Span<byte> trailer = stackalloc byte[TableFormat.BlockTrailerSize];
        trailer[0] = (byte)CompressionType.None;
        uint crc = Checksum.Extend(Checksum.Extend(Checksum.Extend(Checksum.Extend(Checksum.Compute(head[..n]), internalKey), value), restarts), trailer[..1]);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[1..], Checksum.Mask(crc));
        long size = n + internalKey.Length + value.Length + restarts.Length;
        var handle = new BlockHandle((ulong)_offset, (ulong)size);
        _file.Append(head[..n]);
        _file.Append(internalKey);
        _file.Append(value);
        _file.Append(restarts);
        _file.Append(trailer);
        _offset += size + TableFormat.BlockTrailerSize;
        _props.DataUncompressedSize += (ulong)size;
        _props.DataBlocks++;
        _props.DataSize = (ulong)_offset;
        byte[] last = internalKey.ToArray();
        _pendingIndexKey = last;
        _pendingHandle = handle;
        _largestPoint = last;
    }

    /// <summary>Writes a block and its trailer; with <paramref name="compress"/>, LZ4 when that saves at least 1/8.</summary>
    private BlockHandle WriteBlock(ReadOnlySpan<byte> contents, bool compress = false)
    {
        CompressionType type = CompressionType.None;
        if (compress)
        {
            int stored = BlockCompression.TryCompressLz4(contents, ref _compressed);
            if (stored > 0)
            {
                contents = _compressed.AsSpan(0, stored);
                type = CompressionType.Lz4;
            }
        }
        var handle = new BlockHandle((ulong)_offset, (ulong)contents.Length);
        Span<byte> trailer = stackalloc byte[TableFormat.BlockTrailerSize];
        trailer[0] = (byte)type;
        uint crc = Checksum.Extend(Checksum.Compute(contents), trailer[..1]);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[1..], Checksum.Mask(crc));
        _file.Append(contents);
        _file.Append(trailer);
        _offset += contents.Length + TableFormat.BlockTrailerSize;
        return handle;
    }

    /// <summary>Writes the meta blocks, index and footer. Returns what the table covers.</summary>
    public TableSummary Finish()
    {
        FlushDataBlock();
        if (_pendingIndexKey is not null)
        {
            AddIndexEntry(_pendingIndexKey); // the last block: no next key to separate from
        }
        var meta = new BlockBuilder(1);
        var metaEntries = new List<(string, BlockHandle)>();
        byte[]? smallest = _smallest;
        byte[]? largest = _largestPoint;

        if (_tombstones.Count > 0)
        {
            var sorted = new List<(byte[] Key, byte[] End)>(_tombstones.Count);
            foreach (RangeTombstone t in _tombstones)
            {
                sorted.Add((InternalKey.Make(t.Start, t.Sequence, EntryType.RangeDeletion), t.End));
            }
            sorted.Sort(static (a, b) => InternalKey.Compare(a.Key, b.Key));
            var rangeDel = new BlockBuilder(1);
            foreach ((byte[] key, byte[] end) in sorted)
            {
                rangeDel.Add(key, end);
                // A tombstone widens the table's key range: from its start, to a sentinel at its (exclusive) end.
                if (smallest is null || InternalKey.Compare(key, smallest) < 0)
                {
                    smallest = key;
                }
                byte[] endSentinel = InternalKey.Make(end, InternalKey.MaxSequence, EntryType.RangeDeletion);
                if (largest is null || InternalKey.Compare(endSentinel, largest) > 0)
                {
                    largest = endSentinel;
                }
            }
            _props.RangeDeletions = (ulong)_tombstones.Count;
            metaEntries.Add((TableFormat.RangeDelBlockName, WriteBlock(rangeDel.Finish())));
        }

        if (_filter?.Finish() is byte[] filter)
        {
            _props.FilterSize = (ulong)filter.Length;
            metaEntries.Add((TableFormat.FilterBlockName, WriteBlock(filter)));
        }

        _props.SmallestSequence = _minSeq == ulong.MaxValue ? 0 : _minSeq;
        _props.LargestSequence = _maxSeq;
        _props.CreationTime = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var propsBlock = new BlockBuilder(1);
        // The index block is complete (every data block is flushed), so its size without trailer is exact.
        _props.IndexSize = (ulong)_index.EstimatedSize;
        _props.WriteTo(propsBlock);
        metaEntries.Add((TableFormat.PropertiesBlockName, WriteBlock(propsBlock.Finish())));

        metaEntries.Sort(static (a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        Span<byte> h = stackalloc byte[BlockHandle.MaxEncodedLength];
        foreach ((string name, BlockHandle handle) in metaEntries)
        {
            meta.Add(Encoding.ASCII.GetBytes(name), h[..handle.EncodeTo(h)]);
        }
        BlockHandle metaHandle = WriteBlock(meta.Finish());
        BlockHandle indexHandle = WriteBlock(_index.Finish());

        Span<byte> footer = stackalloc byte[TableFormat.FooterSize];
        footer.Clear();
        footer[0] = TableFormat.ChecksumCrc32C;
        int n = metaHandle.EncodeTo(footer[1..]);
        indexHandle.EncodeTo(footer[(1 + n)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[41..], TableFormat.CurrentVersion);
        Checksum.WriteMasked(footer[45..], footer[..45]);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[49..], TableFormat.Magic);
        _file.Append(footer);
        _offset += footer.Length;

        return new TableSummary(_offset, smallest ?? [], largest ?? [], _props.SmallestSequence, _props.LargestSequence, _props.Entries);
    }
}
