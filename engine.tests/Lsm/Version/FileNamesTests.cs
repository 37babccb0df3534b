using AimLsm.Kv.Versions;

namespace AimLsm.Tests.Lsm.Version;

public class FileNamesTests
{
    [Theory]
    [InlineData("100.log", nameof(FileKind.Wal), 100UL)]
    [InlineData("000123.log", nameof(FileKind.Wal), 123UL)]
    [InlineData("0.log", nameof(FileKind.Wal), 0UL)]
    [InlineData("18446744073709551615.log", nameof(FileKind.Wal), ulong.MaxValue)]
    [InlineData("000124.sst", nameof(FileKind.Table), 124UL)]
    [InlineData("MANIFEST-000002", nameof(FileKind.Manifest), 2UL)]
    [InlineData("MANIFEST-7", nameof(FileKind.Manifest), 7UL)]
    [InlineData("CURRENT", nameof(FileKind.Current), 0UL)]
    [InlineData("LOCK", nameof(FileKind.Lock), 0UL)]
    [InlineData("000009.dbtmp", nameof(FileKind.Temp), 9UL)]
    public void Parse_known_names(string name, string kind, ulong number)
    {
        Assert.Equal(Enum.Parse<FileKind>(kind), FileNames.Parse(name, out ulong n));
        Assert.Equal(number, n);
    }

    [Theory]
    [InlineData("")]
    [InlineData("foo")]
    [InlineData("foo-dx-100.log")]
    [InlineData(".log")]
    [InlineData("manifest-1")]
    [InlineData("MANIFEST")]
    [InlineData("MANIFEST-")]
    [InlineData("MANIFEST-3x")]
    [InlineData("MANIFEST--3")]
    [InlineData("CURRENTX")]
    [InlineData("LOCKX")]
    [InlineData("100")]
    [InlineData("100.")]
    [InlineData("100.lo")]
    [InlineData("100.log.bak")]
    [InlineData("100.LOG")]
    [InlineData("-1.log")]
    [InlineData("+1.log")]
    [InlineData(" 1.log")]
    [InlineData("18446744073709551616.log")]
    [InlineData("184467440737095516150.sst")]
    [InlineData("OPTIONS-000005")]
    [InlineData("LOG")]
    public void Parse_unknown_names(string name)
    {
        Assert.Equal(FileKind.Unknown, FileNames.Parse(name, out _));
    }

    [Fact]
    public void Build_then_parse_round_trips()
    {
        foreach (ulong n in new ulong[] { 0, 1, 999_999, 1_000_000, ulong.MaxValue })
        {
            Assert.Equal(FileKind.Wal, FileNames.Parse(FileNames.Wal(n), out ulong a));
            Assert.Equal(n, a);
            Assert.Equal(FileKind.Table, FileNames.Parse(FileNames.Table(n), out ulong b));
            Assert.Equal(n, b);
            Assert.Equal(FileKind.Manifest, FileNames.Parse(FileNames.Manifest(n), out ulong c));
            Assert.Equal(n, c);
            Assert.Equal(FileKind.Temp, FileNames.Parse(FileNames.Temp(n), out ulong d));
            Assert.Equal(n, d);
        }
        Assert.Equal(FileKind.Current, FileNames.Parse(FileNames.Current, out _));
        Assert.Equal(FileKind.Lock, FileNames.Parse(FileNames.Lock, out _));
    }

    [Fact]
    public void Names_are_zero_padded_to_six_digits()
    {
        Assert.Equal("000123.log", FileNames.Wal(123));
        Assert.Equal("000124.sst", FileNames.Table(124));
        Assert.Equal("MANIFEST-000125", FileNames.Manifest(125));
        Assert.Equal("000126.dbtmp", FileNames.Temp(126));
        Assert.Equal("1234567.sst", FileNames.Table(1_234_567));
    }
}
