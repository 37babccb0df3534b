using AimLsm.Kv.Common;

namespace AimLsm.Tests.Common;

public class VarintTests
{
    public static TheoryData<ulong, byte[]> KnownEncodings => new()
    {
        { 0UL, [0x00] },
        { 1UL, [0x01] },
        { 127UL, [0x7F] },
        { 128UL, [0x80, 0x01] },
        { 300UL, [0xAC, 0x02] },
        { 16383UL, [0xFF, 0x7F] },
        { 16384UL, [0x80, 0x80, 0x01] },
        { uint.MaxValue, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F] },
        { ulong.MaxValue, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01] },
    };

    [Theory]
    [MemberData(nameof(KnownEncodings))]
    public void Write_produces_level_db_encoding(ulong value, byte[] expected)
    {
        Span<byte> buf = stackalloc byte[Varint.MaxLength64];
        int n = Varint.Write(buf, value);
        Assert.Equal(expected, buf[..n].ToArray());
        Assert.Equal(expected.Length, Varint.Length(value));
        Assert.Equal(n, Varint.TryRead(expected, out ulong back));
        Assert.Equal(value, back);
    }

    [Fact]
    public void Round_trip_every_bit_length()
    {
        // LevelDB coding_test Varint64: values around every power of two.
        Span<byte> buf = stackalloc byte[Varint.MaxLength64];
        for (int k = 0; k < 64; k++)
        {
            ulong power = 1UL << k;
            foreach (ulong v in new[] { power - 1, power, power + 1 })
            {
                int n = Varint.Write(buf, v);
                Assert.Equal(Varint.Length(v), n);
                Assert.Equal(n, Varint.TryRead(buf[..n], out ulong back));
                Assert.Equal(v, back);
            }
        }
    }

    [Fact]
    public void Round_trip_random()
    {
        const int seed = 301;
        var rng = new Random(seed);
        Span<byte> buf = stackalloc byte[Varint.MaxLength64];
        for (int i = 0; i < 10_000; i++)
        {
            ulong v = (ulong)rng.NextInt64() >> rng.Next(64);
            int n = Varint.Write(buf, v);
            Assert.True(Varint.TryRead(buf[..n], out ulong back) == n && back == v, $"seed {seed}, value {v}");
        }
    }

    [Fact]
    public void Try_read_truncated_input_returns_zero()
    {
        // LevelDB coding_test Varint64Truncation: every proper prefix of an encoding is rejected.
        Span<byte> buf = stackalloc byte[Varint.MaxLength64];
        int n = Varint.Write(buf, ulong.MaxValue);
        for (int len = 0; len < n; len++)
        {
            Assert.Equal(0, Varint.TryRead(buf[..len], out _));
        }
        Assert.Equal(n, Varint.TryRead(buf[..n], out ulong v));
        Assert.Equal(ulong.MaxValue, v);
    }

    [Fact]
    public void Try_read_overflow_returns_zero()
    {
        // LevelDB coding_test Varint64Overflow: eleven continuation bytes.
        byte[] tooLong = [0x81, 0x82, 0x83, 0x84, 0x85, 0x81, 0x82, 0x83, 0x84, 0x85, 0x11];
        Assert.Equal(0, Varint.TryRead(tooLong, out _));
    }

    [Fact]
    public void Try_read_empty_returns_zero()
    {
        Assert.Equal(0, Varint.TryRead([], out _));
        Assert.Equal(0, Varint.TryRead32([], out _));
    }

    [Fact]
    public void Try_read_stops_at_first_terminator_ignoring_trailing_bytes()
    {
        byte[] data = [0xAC, 0x02, 0xFF, 0xFF];
        Assert.Equal(2, Varint.TryRead(data, out ulong v));
        Assert.Equal(300UL, v);
    }

    [Fact]
    public void Try_read_32_round_trips_u_int_32_max()
    {
        Span<byte> buf = stackalloc byte[Varint.MaxLength64];
        int n = Varint.Write(buf, uint.MaxValue);
        Assert.Equal(Varint.MaxLength32, n);
        Assert.Equal(n, Varint.TryRead32(buf[..n], out uint v));
        Assert.Equal(uint.MaxValue, v);
    }

    [Fact]
    public void Try_read_32_value_above_32_bits_returns_zero()
    {
        // LevelDB coding_test Varint32Overflow.
        Span<byte> buf = stackalloc byte[Varint.MaxLength64];
        int n = Varint.Write(buf, (ulong)uint.MaxValue + 1);
        Assert.Equal(0, Varint.TryRead32(buf[..n], out _));
        byte[] fiveBytesTooBig = [0x81, 0x82, 0x83, 0x84, 0x11];
        Assert.Equal(0, Varint.TryRead32(fiveBytesTooBig, out _));
    }

    [Fact]
    public void Try_read_32_six_byte_encoding_returns_zero()
    {
        // A 32-bit varint may not use more than five bytes, even when the value would fit (non-canonical padding).
        byte[] padded = [0x81, 0x80, 0x80, 0x80, 0x80, 0x00];
        Assert.Equal(0, Varint.TryRead32(padded, out _));
    }

    [Fact]
    public void Try_read_32_truncated_input_returns_zero()
    {
        Span<byte> buf = stackalloc byte[Varint.MaxLength64];
        int n = Varint.Write(buf, uint.MaxValue);
        for (int len = 0; len < n; len++)
        {
            Assert.Equal(0, Varint.TryRead32(buf[..len], out _));
        }
    }
}
