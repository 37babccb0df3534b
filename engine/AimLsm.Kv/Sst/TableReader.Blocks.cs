using System.Buffers;
using System.Buffers.Binary;
using AimLsm.Kv.Common;
using AimLsm.Kv.IO;
using AimLsm.Kv.Cache;

namespace AimLsm.Kv.Sst;

/// <summary>
/// Block reading: the file read, the checksum, the compression type and decompression, and the block cache.
/// Buffers come from <see cref="Common.PooledBuffers"/>: a caller passes its <c>raw</c> (stored bytes + trailer) and
/// <c>decoded</c> (decompressed contents) buffers by reference, they are grown as needed, and the caller returns
/// them to the pool when done. Nothing is allocated per block once the buffers are large enough.
/// </summary>
internal sealed partial class TableReader
{
    /// <summary>Reads a whole block at open (index, metaindex, meta blocks) into an array of its exact length.</summary>
    private static byte[] ReadBlockExact(IReadableFile file, uint version, BlockHandle handle, long limit)
    {
        CheckHandle(file.Path, handle, limit);
        byte[] raw = [];
        byte[] decoded = [];
        try
        {
            byte[] block = ReadContents(file, version, handle, ref raw, ref decoded, out int length);
            return block.AsSpan(0, length).ToArray();
        }
        finally
        {
            ReturnToPool(raw);
            ReturnToPool(decoded);
        }
    }

    private static void CheckHandle(string path, BlockHandle handle, long limit)
    {
        if (handle.Size > TableFormat.MaxBlockSize || handle.Offset > (ulong)limit
            || handle.Size + TableFormat.BlockTrailerSize > (ulong)limit - handle.Offset)
        {
            CorruptionException.Throw(path, (long)Math.Min(handle.Offset, (ulong)limit),
                $"a block handle (offset {handle.Offset}, size {handle.Size}) points past the end of the data");
        }
    }

    /// <summary>
    /// Reads a block: its stored bytes and trailer into <paramref name="raw"/>, the CRC checked. An uncompressed
    /// block's contents are then <c>raw[0, length)</c>, and <paramref name="raw"/> is returned; an LZ4 block is
    /// decompressed into <paramref name="decoded"/>, which is returned. REQUIRES: the handle was checked.
    /// </summary>
    private static byte[] ReadContents(IReadableFile file, uint version, BlockHandle handle, ref byte[] raw, ref byte[] decoded, out int length)
    {
        int size = (int)handle.Size;
        int total = size + TableFormat.BlockTrailerSize;
        if (raw.Length < total)
        {
            ReturnToPool(raw);
            raw = [];
            raw = Common.PooledBuffers.Rent(total);
        }
        if (file.Read((long)handle.Offset, raw.AsSpan(0, total)) != total)
        {
            CorruptionException.Throw(file.Path, (long)handle.Offset, $"a block of {handle.Size} bytes is cut short by the end of the file");
        }
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(size + 1));
        uint actual = Checksum.Mask(Checksum.Compute(raw.AsSpan(0, size + 1)));
        if (stored != actual)
        {
            CorruptionException.Throw(file.Path, (long)handle.Offset, "block checksum mismatch");
        }
        var type = (CompressionType)raw[size];
        if (type == CompressionType.None)
        {
            length = size;
            return raw;
        }
        if (type == CompressionType.Lz4 && version >= TableFormat.FirstVersionWithCompression)
        {
            length = BlockCompression.DecompressLz4(raw.AsSpan(0, size), ref decoded, file.Path, (long)handle.Offset);
            return decoded;
        }
        CorruptionException.Throw(file.Path, (long)handle.Offset + size,
            $"unsupported block compression type {raw[size]} in a table of format version {version}");
        length = 0;
        return raw;
    }

    /// <summary>Reads a data block from the file (no cache); returns the buffer that holds its contents.</summary>
    internal byte[] ReadDataBlock(BlockHandle handle, ref byte[] raw, ref byte[] decoded, out int length)
    {
        CheckHandle(Path, handle, _indexOffset);
        _stats.CountDataBlockRead();
        return ReadContents(_file, _formatVersion, handle, ref raw, ref decoded, out length);
    }

    /// <summary>
    /// A data block through the cache: a hit, or a read whose buffer is handed to the cache (the caller's
    /// <paramref name="raw"/> or <paramref name="decoded"/> is then replaced by an empty array). The caller
    /// releases the returned handle when it no longer reads the block. REQUIRES: <see cref="Cache"/> is not null.
    /// </summary>
    internal BlockHandleRef GetCachedDataBlock(BlockHandle handle, ref byte[] raw, ref byte[] decoded)
    {
        BlockCache cache = _cache!;
        if (cache.TryGet(FileNumber, handle.Offset, out BlockHandleRef hit))
        {
            return hit;
        }
        byte[] block = ReadDataBlock(handle, ref raw, ref decoded, out int length);
        if (ReferenceEquals(block, raw))
        {
            raw = [];
        }
        else
        {
            decoded = [];
        }
        return cache.Insert(FileNumber, handle.Offset, block, length);
    }

    private static void ReturnToPool(byte[] buffer)
    {
        if (buffer.Length > 0)
        {
            Common.PooledBuffers.Return(buffer);
        }
    }
}
