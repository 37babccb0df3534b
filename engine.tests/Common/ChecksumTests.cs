using System.Text;
using AimLsm.Kv.Common;

namespace AimLsm.Tests.Common;

/// <summary>Known vectors from LevelDB's crc32c_test (RFC 3720 section B.4) and the iSCSI check value.</summary>
public class ChecksumTests
{
    [Fact]
    public void Standard_results_check_value()
    {
        Assert.Equal(0xE3069283u, Checksum.Compute(System.Text.Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Standard_results_thirty_two_zeros()
    {
        Assert.Equal(0x8A9136AAu, Checksum.Compute(new byte[32]));
    }

    [Fact]
    public void Standard_results_thirty_two_ones()
    {
        byte[] buf = new byte[32];
        Array.Fill(buf, (byte)0xFF);
        Assert.Equal(0x62A8AB43u, Checksum.Compute(buf));
    }

    [Fact]
    public void Standard_results_ascending()
    {
        byte[] buf = new byte[32];
        for (int i = 0; i < 32; i++)
        {
            buf[i] = (byte)i;
        }
        Assert.Equal(0x46DD794Eu, Checksum.Compute(buf));
    }

    [Fact]
    public void Standard_results_descending()
    {
        byte[] buf = new byte[32];
        for (int i = 0; i < 32; i++)
        {
            buf[i] = (byte)(31 - i);
        }
        Assert.Equal(0x113FDB5Cu, Checksum.Compute(buf));
    }

    [Fact]
    public void Standard_results_iscsi_read_command()
    {
        byte[] data =
        [
            0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
            0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        Assert.Equal(0xD9963A56u, Checksum.Compute(data));
    }

    [Fact]
    public void Empty_is_zero()
    {
        Assert.Equal(0u, Checksum.Compute([]));
    }

    [Fact]
    public void Values_differ_for_different_inputs()
    {
        Assert.NotEqual(Checksum.Compute(System.Text.Encoding.ASCII.GetBytes("a")), Checksum.Compute(System.Text.Encoding.ASCII.GetBytes("foo")));
    }

    [Fact]
    public void Extend_equals_compute_over_concatenation()
    {
        // LevelDB crc32c_test Extend, plus every split point of an odd-length buffer (covers the 8/4/1-byte paths).
        Assert.Equal(Checksum.Compute(System.Text.Encoding.ASCII.GetBytes("hello world")),
            Checksum.Extend(Checksum.Compute(System.Text.Encoding.ASCII.GetBytes("hello ")), System.Text.Encoding.ASCII.GetBytes("world")));
        const int seed = 32;
        var rng = new Random(seed);
        byte[] data = new byte[77];
        rng.NextBytes(data);
        uint whole = Checksum.Compute(data);
        for (int split = 0; split <= data.Length; split++)
        {
            Assert.True(whole == Checksum.Extend(Checksum.Compute(data.AsSpan(0, split)), data.AsSpan(split)), $"seed {seed}, split {split}");
        }
    }

    [Fact]
    public void Compute_matches_bitwise_reference_for_every_length_up_to_64()
    {
        const int seed = 64;
        var rng = new Random(seed);
        for (int len = 0; len <= 64; len++)
        {
            byte[] data = new byte[len];
            rng.NextBytes(data);
            Assert.True(Reference(data) == Checksum.Compute(data), $"seed {seed}, length {len}");
        }
    }

    [Fact]
    public void Mask_is_not_identity_and_unmask_inverts_it()
    {
        // LevelDB crc32c_test Mask.
        uint crc = Checksum.Compute(System.Text.Encoding.ASCII.GetBytes("foo"));
        Assert.NotEqual(crc, Checksum.Mask(crc));
        Assert.NotEqual(crc, Checksum.Mask(Checksum.Mask(crc)));
        Assert.Equal(crc, Checksum.Unmask(Checksum.Mask(crc)));
        Assert.Equal(crc, Checksum.Unmask(Checksum.Unmask(Checksum.Mask(Checksum.Mask(crc)))));
    }

    [Fact]
    public void Mask_round_trip_random()
    {
        const int seed = 15;
        var rng = new Random(seed);
        foreach (uint v in new uint[] { 0, 1, uint.MaxValue, 0xa282ead8u })
        {
            Assert.Equal(v, Checksum.Unmask(Checksum.Mask(v)));
        }
        for (int i = 0; i < 10_000; i++)
        {
            uint v = (uint)rng.NextInt64(0, 1L << 32);
            Assert.True(v == Checksum.Unmask(Checksum.Mask(v)), $"seed {seed}, value {v}");
        }
    }

    [Fact]
    public void Mask_matches_level_db_definition()
    {
        // rotate right by 15 bits, then add 0xa282ead8.
        uint crc = 0x12345678u;
        uint expected = unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
        Assert.Equal(expected, Checksum.Mask(crc));
    }

    [Fact]
    public void Write_masked_writes_little_endian_masked_crc()
    {
        byte[] data = System.Text.Encoding.ASCII.GetBytes("123456789");
        byte[] dest = new byte[4];
        Checksum.WriteMasked(dest, data);
        Assert.Equal(Checksum.Mask(0xE3069283u), System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(dest));
        Assert.Equal(Checksum.ComputeMasked(data), System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(dest));
    }

    private static uint Reference(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }
        return ~crc;
    }
}
