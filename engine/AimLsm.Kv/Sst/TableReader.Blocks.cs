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
        if (ReadVerified(file, version, handle, ref raw) == CompressionType.None)
        {
            length = size;
            return raw;
        }
        length = BlockCompression.DecompressLz4(raw.AsSpan(0, size), ref decoded, file.Path, (long)handle.Offset);
        return decoded;
    }

    /// <summary>
    /// Reads a block's stored bytes and trailer into <c>raw[0, size + trailer)</c> (grown from the pool as needed),
    /// checks the CRC, and returns the compression type, which this table's format version is known to allow:
    /// <see cref="CompressionType.None"/> or <see cref="CompressionType.Lz4"/>. Every read of a block from the file
    /// goes through here, cached or not, so every one is verified. REQUIRES: the handle was checked.
    /// </summary>
    private static CompressionType ReadVerified(IReadableFile file, uint version, BlockHandle handle, ref byte[] raw)
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
        if (type == CompressionType.None || (type == CompressionType.Lz4 && version >= TableFormat.FirstVersionWithCompression))
        {
            return type;
        }
        CorruptionException.Throw(file.Path, (long)handle.Offset + size,
            $"unsupported block compression type {raw[size]} in a table of format version {version}");
        return type;
    }

    /// <summary>Reads a data block from the file (no cache); returns the buffer that holds its contents.</summary>
    internal byte[] ReadDataBlock(BlockHandle handle, ref byte[] raw, ref byte[] decoded, out int length)
    {
        CheckHandle(Path, handle, _indexOffset);
        _stats.CountDataBlockRead();
        return ReadContents(_file, _formatVersion, handle, ref raw, ref decoded, out length);
    }

    /// <summary>
    /// A data block for a reader: from the cache when the table has one (a hit; on a miss read from the file and
    /// inserted, unless <paramref name="fillCache"/> is false), else read into the caller's pooled buffers. Returns
    /// the array holding the contents <c>[0, length)</c>; when they are the cache's, <paramref name="cached"/> is the
    /// reference the caller releases once it no longer reads them (otherwise it is default).
    /// </summary>
    internal byte[] LoadDataBlock(BlockHandle handle, bool fillCache, bool lowPriority, ref byte[] raw, ref byte[] decoded,
        out BlockHandleRef cached, out int length)
    {
        cached = default;
        if (_cache is not null)
        {
            if (fillCache)
            {
                cached = GetCachedDataBlock(handle, ref raw, lowPriority);
            }
            else
            {
                _cache.TryGet(FileNumber, handle.Offset, out cached);
            }
        }
        if (cached.IsValid)
        {
            length = cached.Length;
            return cached.Array;
        }
        return ReadDataBlock(handle, ref raw, ref decoded, out length);
    }

    /// <summary>
    /// A data block through the cache: a hit, or a read from the file that is inserted into the cache, at the
    /// least recently used end when <paramref name="lowPriority"/> (a block a long scan reached by stepping, RocksDB's
    /// low-priority pool: the first to go, unless it is read again). <paramref name="raw"/> is the caller's pooled
    /// scratch for the stored bytes. The caller releases the returned handle when it no longer reads the block.
    /// REQUIRES: <see cref="Cache"/> is not null.
    /// </summary>
    internal BlockHandleRef GetCachedDataBlock(BlockHandle handle, ref byte[] raw, bool lowPriority = false)
    {
        BlockCache cache = _cache!;
        if (cache.TryGet(FileNumber, handle.Offset, out BlockHandleRef hit))
        {
            return hit;
        }
        CheckHandle(Path, handle, _indexOffset);
        _stats.CountDataBlockRead();
        int size = (int)handle.Size;
        CompressionType type = ReadVerified(_file, _formatVersion, handle, ref raw);
        ReadOnlySpan<byte> stored = raw.AsSpan(0, size);

        // The contents go straight into a buffer of their own size class, which the cache keeps: an LZ4 block is
        // decompressed into it from the read buffer, an uncompressed one copied (4 KiB: cheap next to the read).
        // A buffer left behind by a corrupt block is dropped, not inserted.
        if (type == CompressionType.None)
        {
            byte[] copy = cache.Rent(FileNumber, handle.Offset, size);
            stored.CopyTo(copy);
            return cache.Insert(FileNumber, handle.Offset, copy, size, lowPriority);
        }
        int length = BlockCompression.Lz4ContentLength(stored, Path, (long)handle.Offset, out int prefix);
        byte[] buffer = cache.Rent(FileNumber, handle.Offset, length);
        BlockCompression.DecodeLz4(stored[prefix..], buffer.AsSpan(0, length), Path, (long)handle.Offset);
        return cache.Insert(FileNumber, handle.Offset, buffer, length, lowPriority);
    }

    private static void ReturnToPool(byte[] buffer)
    {
        if (buffer.Length > 0)
        {
            Common.PooledBuffers.Return(buffer);
        }
    }
}
