using AimLsm.Kv.Common;
using K4os.Compression.LZ4;

namespace AimLsm.Kv.Sst;

/// <summary>
/// LZ4 block compression (docs/format.md, "Block trailer and compression types"): a compressed block's stored
/// contents are a varint32 of the uncompressed size followed by one raw LZ4 block (RocksDB's compress_format_version
/// 2 for LZ4). Buffers are the caller's, grown from <see cref="PooledBuffers"/> where noted.
/// Thread-safe (stateless).
/// </summary>
internal static class BlockCompression
{
    /// <summary>
    /// Compresses <paramref name="raw"/> into <paramref name="scratch"/> (grown as needed, a plain array the caller
    /// keeps). Returns the stored length, or -1 when the result does not shrink the block by at least 1/8 and the
    /// block should be stored raw.
    /// </summary>
    public static int TryCompressLz4(ReadOnlySpan<byte> raw, ref byte[] scratch)
    {
        int need = Varint.MaxLength32 + LZ4Codec.MaximumOutputSize(raw.Length);
        if (scratch.Length < need)
        {
            scratch = new byte[Math.Max(need, scratch.Length * 2)];
        }
        int n = Varint.Write(scratch, (uint)raw.Length);
        int encoded = LZ4Codec.Encode(raw, scratch.AsSpan(n), LZ4Level.L00_FAST);
        if (encoded <= 0 || !TableFormat.GoodCompressionRatio(n + encoded, raw.Length))
        {
            return -1;
        }
        return n + encoded;
    }

    /// <summary>
    /// Decompresses an LZ4 block's stored contents into <paramref name="output"/>, replaced by a larger array rented
    /// from the shared pool when too small (the old one, unless empty, is returned to the pool). Returns the
    /// uncompressed length. Throws <see cref="CorruptionException"/> naming <paramref name="path"/> and the block's
    /// <paramref name="offset"/> when the size prefix is malformed or LZ4 does not produce exactly that many bytes.
    /// </summary>
    public static int DecompressLz4(ReadOnlySpan<byte> stored, ref byte[] output, string path, long offset)
    {
        int length = Lz4ContentLength(stored, path, offset, out int n);
        if (output.Length < length)
        {
            if (output.Length > 0)
            {
                Common.PooledBuffers.Return(output);
                output = [];
            }
            output = Common.PooledBuffers.Rent(Math.Max(length, 1));
        }
        DecodeLz4(stored[n..], output.AsSpan(0, length), path, offset);
        return length;
    }

    /// <summary>
    /// The uncompressed length an LZ4 block's stored contents announce (its varint prefix, <paramref name="prefix"/>
    /// bytes long). Throws <see cref="CorruptionException"/> when the prefix is malformed or above the block limit.
    /// </summary>
    public static int Lz4ContentLength(ReadOnlySpan<byte> stored, string path, long offset, out int prefix)
    {
        prefix = Varint.TryRead32(stored, out uint size);
        if (prefix == 0 || size > TableFormat.MaxBlockSize)
        {
            CorruptionException.Throw(path, offset, "LZ4 block: the uncompressed size prefix is malformed");
        }
        return (int)size;
    }

    /// <summary>
    /// Decodes one raw LZ4 block (the stored contents after the size prefix) into exactly
    /// <paramref name="output"/>. Throws <see cref="CorruptionException"/> when LZ4 fails or produces another length.
    /// </summary>
    public static void DecodeLz4(ReadOnlySpan<byte> lz4, Span<byte> output, string path, long offset)
    {
        int decoded = LZ4Codec.Decode(lz4, output);
        if (decoded != output.Length)
        {
            CorruptionException.Throw(path, offset,
                $"LZ4 block: decompressed to {(decoded < 0 ? "an error" : decoded + " bytes")}, but the block says {output.Length} bytes");
        }
    }
}
