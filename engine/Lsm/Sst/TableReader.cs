using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using AimLsm.Common;
using AimLsm.IO;
using AimLsm.Lsm.Iteration;
using AimLsm.Lsm.Keys;
using AimLsm.Lsm.RangeDel;

namespace AimLsm.Lsm.Sst;

/// <summary>
/// An open SSTable. Opening reads and checks the footer, the index, the properties and the range tombstones,
/// which stay in memory; data blocks are read on demand and their checksums verified on every read.
/// Thread-safe: any number of concurrent <see cref="Get"/> calls and iterators.
/// </summary>
internal sealed class TableReader : IDisposable
{
    [ThreadStatic]
    private static BlockIterator? t_indexIter;
    [ThreadStatic]
    private static BlockIterator? t_dataIter;

    private readonly IReadableFile _file;
    private readonly byte[] _index;
    private readonly long _indexOffset;

    private TableReader(IReadableFile file, ulong fileNumber, byte[] index, long indexOffset,
        TableProperties properties, RangeTombstone[] tombstones)
    {
        _file = file;
        FileNumber = fileNumber;
        _index = index;
        _indexOffset = indexOffset;
        Properties = properties;
        RawTombstones = tombstones;
        Tombstones = FragmentedRangeTombstones.Build(tombstones);
    }

    public ulong FileNumber { get; }

    /// <summary>Where the index block starts, for error messages about it.</summary>
    public long IndexOffset => _indexOffset;

    public string Path => _file.Path;

    public long FileSize => _file.Length;

    public TableProperties Properties { get; }

    public RangeTombstone[] RawTombstones { get; }

    public FragmentedRangeTombstones Tombstones { get; }

    /// <summary>Opens and checks a table. Throws <see cref="CorruptionException"/> naming the file and offset on damage.</summary>
    public static TableReader Open(IReadableFile file, ulong fileNumber)
    {
        try
        {
            return OpenCore(file, fileNumber);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static TableReader OpenCore(IReadableFile file, ulong fileNumber)
    {
        string path = file.Path;
        long size = file.Length;
        if (size < TableFormat.FooterSize)
        {
            ThrowHelper.ThrowCorruption(path, 0, $"the file is {size} bytes, shorter than an SSTable footer ({TableFormat.FooterSize})");
        }
        long footerOffset = size - TableFormat.FooterSize;
        Span<byte> footer = stackalloc byte[TableFormat.FooterSize];
        if (file.Read(footerOffset, footer) != footer.Length)
        {
            ThrowHelper.ThrowCorruption(path, footerOffset, "the footer could not be read in full");
        }
        if (BinaryPrimitives.ReadUInt64LittleEndian(footer[49..]) != TableFormat.Magic)
        {
            ThrowHelper.ThrowCorruption(path, footerOffset + 49, "bad magic number: not an AimLsm SSTable, or truncated");
        }
        if (Checksum.ComputeMasked(footer[..45]) != BinaryPrimitives.ReadUInt32LittleEndian(footer[45..]))
        {
            ThrowHelper.ThrowCorruption(path, footerOffset, "footer checksum mismatch");
        }
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(footer[41..]);
        if (version is 0 or > TableFormat.CurrentVersion)
        {
            ThrowHelper.ThrowCorruption(path, footerOffset + 41, $"unsupported table format version {version} (this build reads 1..{TableFormat.CurrentVersion})");
        }
        if (footer[0] != TableFormat.ChecksumCrc32C)
        {
            ThrowHelper.ThrowCorruption(path, footerOffset, $"unknown checksum type {footer[0]}");
        }
        int n = BlockHandle.TryDecode(footer[1..41], out BlockHandle metaHandle);
        BlockHandle indexHandle = default;
        int m = n == 0 ? 0 : BlockHandle.TryDecode(footer[(1 + n)..41], out indexHandle);
        if (m == 0)
        {
            ThrowHelper.ThrowCorruption(path, footerOffset + 1, "the footer's block handles are malformed");
        }

        byte[] index = ReadBlockExact(file, indexHandle, footerOffset);
        byte[] metaindex = ReadBlockExact(file, metaHandle, footerOffset);
        var metaIter = new BlockIterator(internalKeys: false);
        metaIter.Reset(metaindex, 0, metaindex.Length, path, (long)metaHandle.Offset);
        TableProperties? props = null;
        var tombstones = new List<RangeTombstone>();
        for (metaIter.SeekToFirst(); metaIter.Valid; metaIter.Next())
        {
            string name = Encoding.ASCII.GetString(metaIter.Key);
            if (BlockHandle.TryDecode(metaIter.Value, out BlockHandle h) == 0)
            {
                ThrowHelper.ThrowCorruption(path, (long)metaHandle.Offset, $"metaindex: the handle of '{name}' is malformed");
            }
            if (name == TableFormat.PropertiesBlockName)
            {
                byte[] block = ReadBlockExact(file, h, footerOffset);
                var it = new BlockIterator(internalKeys: false);
                it.Reset(block, 0, block.Length, path, (long)h.Offset);
                props = TableProperties.Read(it, path, (long)h.Offset);
            }
            else if (name == TableFormat.RangeDelBlockName)
            {
                byte[] block = ReadBlockExact(file, h, footerOffset);
                var it = new BlockIterator(internalKeys: true);
                it.Reset(block, 0, block.Length, path, (long)h.Offset);
                for (it.SeekToFirst(); it.Valid; it.Next())
                {
                    ulong trailer = InternalKey.Trailer(it.Key);
                    if ((EntryType)(byte)trailer != EntryType.RangeDeletion)
                    {
                        ThrowHelper.ThrowCorruption(path, (long)h.Offset, "range-del block: an entry is not a range deletion");
                    }
                    tombstones.Add(new RangeTombstone(InternalKey.UserKey(it.Key).ToArray(), it.Value.ToArray(), trailer >> 8));
                }
            }
        }
        if (props is null)
        {
            ThrowHelper.ThrowCorruption(path, (long)metaHandle.Offset, "the table has no properties block");
        }
        return new TableReader(file, fileNumber, index, (long)indexHandle.Offset, props, [.. tombstones]);
    }

    private static byte[] ReadBlockExact(IReadableFile file, BlockHandle handle, long limit)
    {
        CheckHandle(file.Path, handle, limit);
        var buffer = new byte[handle.Size + TableFormat.BlockTrailerSize];
        int length = ReadAndVerify(file, handle, buffer);
        return buffer.AsSpan(0, length).ToArray();
    }

    private static void CheckHandle(string path, BlockHandle handle, long limit)
    {
        if (handle.Size > int.MaxValue / 2 || handle.Offset > (ulong)limit
            || handle.Size + TableFormat.BlockTrailerSize > (ulong)limit - handle.Offset)
        {
            ThrowHelper.ThrowCorruption(path, (long)Math.Min(handle.Offset, (ulong)limit),
                $"a block handle (offset {handle.Offset}, size {handle.Size}) points past the end of the data");
        }
    }

    /// <summary>Reads a block and its trailer into <paramref name="buffer"/>, checks the CRC; returns the contents' length.</summary>
    private static int ReadAndVerify(IReadableFile file, BlockHandle handle, byte[] buffer)
    {
        int total = (int)handle.Size + TableFormat.BlockTrailerSize;
        if (file.Read((long)handle.Offset, buffer.AsSpan(0, total)) != total)
        {
            ThrowHelper.ThrowCorruption(file.Path, (long)handle.Offset, $"a block of {handle.Size} bytes is cut short by the end of the file");
        }
        int size = (int)handle.Size;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(size + 1));
        uint actual = Checksum.Mask(Checksum.Compute(buffer.AsSpan(0, size + 1)));
        if (stored != actual)
        {
            ThrowHelper.ThrowCorruption(file.Path, (long)handle.Offset, "block checksum mismatch");
        }
        if (buffer[size] != (byte)CompressionType.None)
        {
            ThrowHelper.ThrowCorruption(file.Path, (long)handle.Offset + size, $"unsupported block compression type {buffer[size]}");
        }
        return size;
    }

    /// <summary>Reads a data block into a buffer that may be replaced by a larger rented one; returns the contents' length.</summary>
    internal int ReadDataBlock(BlockHandle handle, ref byte[] buffer)
    {
        CheckHandle(Path, handle, _indexOffset);
        int need = (int)handle.Size + TableFormat.BlockTrailerSize;
        if (buffer.Length < need)
        {
            if (buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            buffer = ArrayPool<byte>.Shared.Rent(need);
        }
        return ReadAndVerify(_file, handle, buffer);
    }

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
            ThrowHelper.ThrowCorruption(path, offset, "index block: a block handle is malformed");
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
        where TSink : struct, IValueSink
    {
        type = default;
        sequence = 0;
        BlockIterator index = NewIndexIterator(t_indexIter ??= new BlockIterator(internalKeys: true));
        index.Seek(seekKey);
        if (!index.Valid)
        {
            return false;
        }
        BlockHandle handle = DecodeIndexValue(index, Path, _indexOffset);
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(handle.Size + TableFormat.BlockTrailerSize, int.MaxValue / 2));
        try
        {
            int length = ReadDataBlock(handle, ref buffer);
            BlockIterator data = t_dataIter ??= new BlockIterator(internalKeys: true);
            data.Reset(buffer, 0, length, Path, (long)handle.Offset);
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
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public InternalIterator NewIterator() => new TableIterator(this);

    public void Dispose() => _file.Dispose();
}

/// <summary>Receives a value found by a point lookup, before the buffer holding it is released.</summary>
internal interface IValueSink
{
    void SetValue(ReadOnlySpan<byte> value);
}
