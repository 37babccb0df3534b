using System.Buffers;

namespace AimLsm.Kv.Common;

/// <summary>
/// Byte buffers from <see cref="ArrayPool{T}.Shared"/> up to <see cref="MaxPooledBytes"/>, and plain arrays above it:
/// the shared pool keeps what is returned to it for the life of the process (up to 1 GiB arrays, per core), so one
/// read of a 100 MiB value would leave a 128 MiB buffer cached for ever. Large buffers are rare and short-lived;
/// allocating them is cheap next to filling them. Use <see cref="Return"/> for what <see cref="Rent"/> gave.
/// Thread-safe.
/// </summary>
internal static class PooledBuffers
{
    /// <summary>The largest buffer kept in the pool: 1 MiB, above every block of ordinary size.</summary>
    public const int MaxPooledBytes = 1 << 20;

    /// <summary>A buffer of at least <paramref name="size"/> bytes; its contents are undefined.</summary>
    public static byte[] Rent(int size) =>
        size > MaxPooledBytes ? GC.AllocateUninitializedArray<byte>(size) : ArrayPool<byte>.Shared.Rent(size);

    /// <summary>Gives back a buffer from <see cref="Rent"/>; one above <see cref="MaxPooledBytes"/> is left to the GC.</summary>
    public static void Return(byte[] buffer)
    {
        if (buffer.Length <= MaxPooledBytes)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
