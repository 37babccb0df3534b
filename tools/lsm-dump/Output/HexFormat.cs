namespace AimLsm.Tools.LsmDump.Output;

/// <summary><c>--format hex</c>: lowercase hex digits, nothing else; an empty key or value is <c>""</c>.</summary>
public sealed class HexFormat : IByteFormat
{
    public string Name => "hex";

    public bool Quoted => false;

    public string Render(ReadOnlySpan<byte> bytes, ByteRole role) =>
        bytes.IsEmpty ? "\"\"" : Convert.ToHexStringLower(bytes);

    public byte[] Parse(string text)
    {
        string t = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return Convert.FromHexString(t);
    }
}
