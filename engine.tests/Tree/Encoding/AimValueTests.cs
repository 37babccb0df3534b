using System.Buffers;
using AimLsm.Encoding;
using static AimLsm.Tests.Tree.Encoding.TreePathTests;

namespace AimLsm.Tests.Tree.Encoding;

/// <summary>Golden bytes of every type byte, and how bad values fail (docs/format.md, section 12.3).</summary>
public class AimValueTests
{
    private static byte[] Encode(Action<IBufferWriter<byte>> write)
    {
        var w = new ArrayBufferWriter<byte>();
        write(w);
        return w.WrittenSpan.ToArray();
    }

    [Fact]
    public void Type_bytes_are_Aims_and_frozen()
    {
        Assert.Equal(0x00, (byte)AimType.None);
        Assert.Equal(0x01, (byte)AimType.Bool);
        Assert.Equal(0x02, (byte)AimType.Int);
        Assert.Equal(0x03, (byte)AimType.Float);
        Assert.Equal(0x04, (byte)AimType.Str);
        Assert.Equal(0x05, (byte)AimType.Bytes);
        Assert.Equal(0x06, (byte)AimType.List);
        Assert.Equal(0x07, (byte)AimType.Dict);
        Assert.Equal(0x0F, (byte)AimType.CustomObject);
    }

    [Fact]
    public void None_is_00()
    {
        byte[] b = Encode(AimValueWriter.WriteNone);
        Assert.Equal(Hex("00"), b);
        Assert.True(AimValue.Parse(b).IsNone);
        Assert.Null(AimValue.Parse(b).ToScalar());
    }

    [Theory]
    [InlineData(false, "01 00")]
    [InlineData(true, "01 01")]
    public void Bool_is_01_then_one_byte(bool value, string hex)
    {
        byte[] b = Encode(w => AimValueWriter.WriteBool(w, value));
        Assert.Equal(Hex(hex), b);
        Assert.Equal(value, AimValue.Parse(b).AsBool());
    }

    [Theory]
    [InlineData(0L, "02 00 00 00 00 00 00 00 00")]
    [InlineData(1L, "02 01 00 00 00 00 00 00 00")]
    [InlineData(-2L, "02 fe ff ff ff ff ff ff ff")]
    [InlineData(0x0102030405060708L, "02 08 07 06 05 04 03 02 01")]
    public void Int_is_02_then_little_endian_int64(long value, string hex)
    {
        byte[] b = Encode(w => AimValueWriter.WriteInt(w, value));
        Assert.Equal(Hex(hex), b);
        Assert.Equal(value, AimValue.Parse(b).AsLong());
    }

    [Theory]
    [InlineData(1.0, "03 00 00 00 00 00 00 f0 3f")]
    [InlineData(0.01, "03 7b 14 ae 47 e1 7a 84 3f")]
    [InlineData(double.NegativeInfinity, "03 00 00 00 00 00 00 f0 ff")]
    [InlineData(-0.0, "03 00 00 00 00 00 00 00 80")]
    public void Float_is_03_then_little_endian_double(double value, string hex)
    {
        byte[] b = Encode(w => AimValueWriter.WriteFloat(w, value));
        Assert.Equal(Hex(hex), b);
        Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(AimValue.Parse(b).AsDouble()));
    }

    [Fact]
    public void Str_is_04_then_utf8()
    {
        byte[] b = Encode(w => AimValueWriter.WriteString(w, "α-γ"));
        Assert.Equal(Hex("04 ce b1 2d ce b3"), b);
        AimValue v = AimValue.Parse(b);
        Assert.Equal("α-γ", v.AsString());
        Assert.True(v.Utf8.SequenceEqual(Hex("ce b1 2d ce b3")));
        Assert.Equal(Hex("04"), Encode(w => AimValueWriter.WriteString(w, "")));
        Assert.Equal("", AimValue.Parse(Hex("04")).AsString());
    }

    [Fact]
    public void Bytes_is_05_then_raw()
    {
        byte[] b = Encode(w => AimValueWriter.WriteBytes(w, [0xFE, 0x00, 0xFF]));
        Assert.Equal(Hex("05 fe 00 ff"), b);
        Assert.True(AimValue.Parse(b).Bytes.SequenceEqual(Hex("fe 00 ff")));
    }

    [Fact]
    public void Markers_are_06_07_and_0f_with_type_name()
    {
        Assert.Equal(Hex("06"), Encode(AimValueWriter.WriteListMarker));
        Assert.Equal(Hex("07"), Encode(AimValueWriter.WriteDictMarker));
        byte[] image = Encode(w => AimValueWriter.WriteCustomObject(w, "aim.image"));
        Assert.Equal(Hex("0f 61 69 6d 2e 69 6d 61 67 65"), image);
        Assert.Equal("aim.image", AimValue.Parse(image).TypeName());
        Assert.Equal(AimType.List, AimValue.Parse(Hex("06")).Type);
        Assert.Equal(AimType.Dict, AimValue.Parse(Hex("07")).Type);
    }

    [Fact]
    public void Asking_for_the_wrong_type_is_InvalidOperation()
    {
        byte[] b = Encode(w => AimValueWriter.WriteInt(w, 5));
        Assert.Throws<InvalidOperationException>(() => AimValue.Parse(b).AsBool());
        Assert.Throws<InvalidOperationException>(() => AimValue.Parse(b).AsString());
        Assert.Throws<InvalidOperationException>(() => AimValue.Parse(Hex("06")).ToScalar());
    }

    [Fact]
    public void Lone_surrogate_and_empty_type_name_are_rejected_on_write()
    {
        Assert.Throws<ArgumentException>(() => Encode(w => AimValueWriter.WriteString(w, "x\uDC00")));
        Assert.Throws<ArgumentException>(() => Encode(w => AimValueWriter.WriteCustomObject(w, "")));
    }

    [Theory]
    [InlineData("", 0, "empty value")]
    [InlineData("08", 0, "unknown type byte 0x08")]
    [InlineData("ff 00", 0, "unknown type byte 0xFF")]
    [InlineData("00 00", 1, "None payload is 0 bytes, found 1")]
    [InlineData("01", 1, "Bool payload is 1 bytes, found 0")]
    [InlineData("01 02", 1, "bool payload is 0 or 1")]
    [InlineData("02 00 00 00", 1, "Int payload is 8 bytes, found 3")]
    [InlineData("03 00 00 00 00 00 00 00 00 00", 1, "Float payload is 8 bytes, found 9")]
    [InlineData("06 00", 1, "List payload is 0 bytes")]
    [InlineData("0f", 1, "type name")]
    public void Malformed_values_are_AimFormatExceptions_naming_offset_and_expectation(string hex, int offset, string what)
    {
        var ex = Assert.Throws<AimFormatException>(() => AimValue.Parse(Hex(hex)));
        Assert.Equal(offset, ex.Offset);
        Assert.Contains(what, ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<FormatException>(ex);
    }

    [Fact]
    public void Invalid_utf8_str_fails_only_when_materialized()
    {
        AimValue v = AimValue.Parse(Hex("04 c3"));
        Assert.Equal(1, v.Utf8.Length);
        Assert.Throws<AimFormatException>(() => AimValue.Parse(Hex("04 c3")).AsString());
    }
}
