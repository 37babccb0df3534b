using System.Text;
using AimLsm.Lsm.Sst;

namespace AimLsm.Tests.Lsm.Sst;

/// <summary>The filter hash is part of the format: it must be XXH64 with seed 0, bit for bit.</summary>
public class XxHash64Tests
{
    [Theory]
    [InlineData("", 0xEF46DB3751D8E999UL)]
    [InlineData("abc", 0x44BC2CF5AD770999UL)]
    [InlineData("Nobody inspects the spammish repetition", 0xFBCEA83C8A378BF1UL)] // 39 bytes: the 32-byte stripe path
    public void ReferenceVectors(string input, ulong expected) =>
        Assert.Equal(expected, XxHash64.Hash(Encoding.ASCII.GetBytes(input)));

    [Fact]
    public void EveryLengthUpTo100_IsStableAndDistinct()
    {
        byte[] data = Enumerable.Range(0, 100).Select(i => (byte)(i * 7)).ToArray();
        var seen = new HashSet<ulong>();
        for (int n = 0; n <= 100; n++)
        {
            ulong h = XxHash64.Hash(data.AsSpan(0, n));
            Assert.Equal(h, XxHash64.Hash(data.AsSpan(0, n).ToArray()));
            Assert.True(seen.Add(h));
        }
    }
}
