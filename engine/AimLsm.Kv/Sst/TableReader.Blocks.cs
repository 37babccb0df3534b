using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AimLsm.Kv.Common;
using AimLsm.Kv.IO;
using AimLsm.Kv.Cache;

namespace AimLsm.Kv.Sst;

/// <summary>
/// Block reading: the file read, the checksum, the compression type and decompression, and the block cache.
/// When the file is memory-mapped (<see cref="IReadableFile.TryGetSpan"/>) a block's stored bytes are checked and
/// decompressed where they lie, with no read into a buffer; the table's reference count keeps the mapping alive
/// for as long as a reader uses it. Buffers come from <see cref="Common.PooledBuffers"/>: a caller passes its
/// <c>raw</c> (stored bytes + trailer) and <c>decoded</c> (decompressed contents) buffers by reference, they are
/// grown as needed, and the caller returns them to the pool when done. Nothing is allocated per block once the buffers are large enough.
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
        if (ReadVerified(file, version, handle, ref raw, out ReadOnlySpan<byte> stored) == CompressionType.None)
        {
            // The contents must outlive this call in an array the caller owns: a mapped block is copied into raw.
            if (!Unsafe.AreSame(ref MemoryMarshal.GetReference(stored), ref MemoryMarshal.GetArrayDataReference(raw)))
            {
                EnsureCapacity(ref raw, size);
                stored.CopyTo(raw);
            }
            length = size;
            return raw;
        }
        length = BlockCompression.DecompressLz4(stored, ref decoded, file.Path, (long)handle.Offset);
        return decoded;
    }

    /// <summary>
    /// A block's stored bytes and trailer, the CRC checked: <paramref name="stored"/> is the stored bytes (without
    /// the trailer), in place in a mapped file, else read into <c>raw[0, size + trailer)</c> (grown from the pool as
    /// needed). Returns the compression type, which this table's format version is known to allow:
    /// <see cref="CompressionType.None"/> or <see cref="CompressionType.Lz4"/>. Every read of a block from the file
    /// goes through here, cached or not, so every one is verified. REQUIRES: the handle was checked.
    /// </summary>
    private static CompressionType ReadVerified(IReadableFile file, uint version, BlockHandle handle, ref byte[] raw,
        out ReadOnlySpan<byte> stored)
    {
        int size = (int)handle.Size;
        int total = size + TableFormat.BlockTrailerSize;
        if (!file.TryGetSpan((long)handle.Offset, total, out ReadOnlySpan<byte> block))
        {
            EnsureCapacity(ref raw, total);
            if (file.Read((long)handle.Offset, raw.AsSpan(0, total)) != total)
            {
                CorruptionException.Throw(file.Path, (long)handle.Offset, $"a block of {handle.Size} bytes is cut short by the end of the file");
            }
            block = raw.AsSpan(0, total);
        }
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(block[(size + 1)..]);
        uint actual = Checksum.Mask(Checksum.Compute(block[..(size + 1)]));
        if (expected != actual)
        {
            CorruptionException.Throw(file.Path, (long)handle.Offset, "block checksum mismatch");
        }
        var type = (CompressionType)block[size];
        stored = block[..size];
        if (type == CompressionType.None || (type == CompressionType.Lz4 && version >= TableFormat.FirstVersionWithCompression))
        {
            return type;
        }
        CorruptionException.Throw(file.Path, (long)handle.Offset + size,
            $"unsupported block compression type {block[size]} in a table of format version {version}");
        return type;
    }

    /// <summary>Makes <paramref name="buffer"/> hold at least <paramref name="size"/> bytes, trading it at the pool.</summary>
    private static void EnsureCapacity(ref byte[] buffer, int size)
    {
        if (buffer.Length < size)
        {
            ReturnToPool(buffer);
            buffer = [];
            buffer = Common.PooledBuffers.Rent(size);
        }
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
        CompressionType type = ReadVerified(_file, _formatVersion, handle, ref raw, out ReadOnlySpan<byte> stored);

        // The contents go straight into a buffer of their own size class, which the cache keeps: an LZ4 block is
        // decompressed into it from the read buffer or the mapping, an uncompressed one copied (4 KiB: cheap next
        // to the read).
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
