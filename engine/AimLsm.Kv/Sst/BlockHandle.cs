using AimLsm.Kv.Common;

namespace AimLsm.Kv.Sst;

/// <summary>Where a block sits in a table: its offset and its size without the trailer. Encoded as two varint64s (docs/format.md, "SSTable files").</summary>
internal readonly record struct BlockHandle(ulong Offset, ulong Size)
{
    public const int MaxEncodedLength = 2 * Varint.MaxLength64;

    public int EncodeTo(Span<byte> dest)
    {
        int n = Varint.Write(dest, Offset);
        return n + Varint.Write(dest[n..], Size);
    }

    public byte[] Encode()
    {
        Span<byte> buf = stackalloc byte[MaxEncodedLength];
        return buf[..EncodeTo(buf)].ToArray();
    }

    /// <summary>Decodes a handle; returns the bytes consumed, or 0 when malformed.</summary>
    public static int TryDecode(ReadOnlySpan<byte> src, out BlockHandle handle)
    {
        int a = Varint.TryRead(src, out ulong offset);
        ulong size = 0;
        int b = a == 0 ? 0 : Varint.TryRead(src[a..], out size);
        if (b == 0)
        {
            handle = default;
            return 0;
        }
        handle = new BlockHandle(offset, size);
        return a + b;
    }
}
