using System.Runtime.CompilerServices;

namespace AimLsm.Bench.DbBench;

/// <summary>
/// Keys and values as db_bench makes them, identical for every engine: key <c>i</c> is the zero-padded decimal of
/// <c>i</c> (16 bytes, so bytewise order is numeric order), and values are slices of one buffer of random text in
/// which every 100-byte piece is half random, half a repeat (db_bench's RandomGenerator, compressible to 50%).
/// The value of a write depends only on the key index, so every engine stores the same bytes.
/// Thread-safe: the buffer is read-only after construction.
/// </summary>
internal sealed class KeyValueGenerator
{
    private const int DataSize = 1 << 20;
    private readonly byte[] _data;

    public KeyValueGenerator(int keySize, int valueSize, int seed = 301)
    {
        if (keySize < 16)
        {
            throw new ArgumentOutOfRangeException(nameof(keySize), "keys are at least 16 bytes");
        }
        KeySize = keySize;
        ValueSize = valueSize;
        _data = new byte[DataSize + valueSize];
        var random = new Random(seed);
        int piece = Math.Max(valueSize, 100);
        for (int pos = 0; pos < _data.Length; pos += piece)
        {
            int len = Math.Min(piece, _data.Length - pos);
            int raw = Math.Max(1, len / 2);
            Span<byte> p = _data.AsSpan(pos, len);
            for (int i = 0; i < raw; i++)
            {
                p[i] = (byte)(' ' + random.Next(95));
            }
            for (int i = raw; i < len; i++)
            {
                p[i] = p[i % raw];
            }
        }
    }

    public int KeySize { get; }

    public int ValueSize { get; }

    /// <summary>Writes key <paramref name="index"/> into <paramref name="destination"/> (KeySize bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Key(long index, Span<byte> destination)
    {
        Span<byte> d = destination[..KeySize];
        ulong v = (ulong)index;
        for (int i = d.Length - 1; i >= 0; i--)
        {
            d[i] = (byte)('0' + (v % 10));
            v /= 10;
        }
    }

    /// <summary>The value written for key <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Value(long index) =>
        _data.AsSpan((int)((ulong)index * 97 % (DataSize - 1)), ValueSize);
}

/// <summary>A fast deterministic generator of key indexes (xorshift64*), one per worker thread.</summary>
internal struct KeyPicker
{
    private ulong _state;

    public KeyPicker(int seed)
    {
        _state = 0x9E3779B97F4A7C15UL ^ ((ulong)(seed + 1) * 0xBF58476D1CE4E5B9UL);
        if (_state == 0)
        {
            _state = 1;
        }
    }

    /// <summary>A uniform index in [0, <paramref name="n"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Next(long n)
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        ulong r = _state * 0x2545F4914F6CDD1DUL;
        return (long)((UInt128)r * (ulong)n >> 64);
    }
}
