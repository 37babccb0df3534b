using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace AimLsm.Kv.Common;

/// <summary>
/// CRC32C (Castagnoli) through the hardware instruction that <see cref="BitOperations.Crc32C(uint, byte)"/> exposes,
/// with LevelDB's masking. A stored CRC is always masked: a CRC computed over data that itself contains CRCs
/// (a WAL record holding a block, say) would otherwise be weak. docs/format.md, "Checksums".
/// </summary>
internal static class Checksum
{
    private const uint MaskDelta = 0xa282ead8u;

    /// <summary>Extends <paramref name="crc"/> (0 to start) over <paramref name="data"/>.</summary>
    public static uint Extend(uint crc, ReadOnlySpan<byte> data)
    {
        // The instruction works on the inverted state; callers see the conventional CRC value.
        uint c = ~crc;
        ref byte p = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(data);
        int n = data.Length;
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            c = (uint)BitOperations.Crc32C(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
        }
        if (i + 4 <= n)
        {
            c = BitOperations.Crc32C(c, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i)));
            i += 4;
        }
        for (; i < n; i++)
        {
            c = BitOperations.Crc32C(c, Unsafe.Add(ref p, i));
        }
        return ~c;
    }

    /// <summary>The CRC32C of <paramref name="data"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Compute(ReadOnlySpan<byte> data) => Extend(0, data);

    /// <summary>LevelDB's mask: rotate right by 15 bits and add a constant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Mask(uint crc) => ((crc >> 15) | (crc << 17)) + MaskDelta;

    /// <summary>Inverse of <see cref="Mask"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Unmask(uint masked)
    {
        uint rot = masked - MaskDelta;
        return (rot >> 17) | (rot << 15);
    }

    /// <summary>The masked CRC32C of <paramref name="data"/>, as stored on disk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ComputeMasked(ReadOnlySpan<byte> data) => Mask(Compute(data));

    /// <summary>Writes the masked CRC32C of <paramref name="data"/> little-endian into <paramref name="dest"/>.</summary>
    public static void WriteMasked(Span<byte> dest, ReadOnlySpan<byte> data) =>
        BinaryPrimitives.WriteUInt32LittleEndian(dest, ComputeMasked(data));
}
