using System.Text;

namespace AimLsm.Tools.LsmDump.Output;

/// <summary>
/// <c>--format escaped</c> (the default): printable ASCII as is, <c>\\</c> and <c>\"</c> escaped, every other byte as
/// <c>\xNN</c>. Unambiguous and reversible: <see cref="Parse"/> reads the same escapes back.
/// </summary>
public sealed class EscapedFormat : IByteFormat
{
    public string Name => "escaped";

    public bool Quoted => true;

    public string Render(ReadOnlySpan<byte> bytes, ByteRole role)
    {
        var sb = new StringBuilder(bytes.Length + 8);
        foreach (byte b in bytes)
        {
            if (b == (byte)'\\' || b == (byte)'"')
            {
                sb.Append('\\').Append((char)b);
            }
            else if (b is >= 0x20 and < 0x7f)
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    public byte[] Parse(string text)
    {
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '\\')
            {
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(c.ToString()));
                continue;
            }
            if (i + 1 >= text.Length)
            {
                throw new FormatException($"'{text}' ends with a lone backslash");
            }
            char e = text[++i];
            if (e == 'x')
            {
                if (i + 2 >= text.Length)
                {
                    throw new FormatException($"'{text}': \\x needs two hex digits");
                }
                bytes.Add(Convert.FromHexString(text.AsSpan(i + 1, 2))[0]);
                i += 2;
            }
            else
            {
                bytes.Add((byte)e);
            }
        }
        return [.. bytes];
    }
}
