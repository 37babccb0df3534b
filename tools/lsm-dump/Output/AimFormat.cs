using AimLsm.Tree.Sequences;
using System.Globalization;
using System.Text;
using AimLsm.Encoding;

namespace AimLsm.Tools.LsmDump.Output;

/// <summary>
/// <c>--format aim</c>: keys as decoded tree paths, written like Python tuples (<c>('hparams', 'lr')</c>), and values
/// as Aim values (<c>None</c>, <c>True</c>, <c>3e-04</c>, <c>'adam'</c>, <c>b'..'</c>, <c>[]</c> for a list node,
/// <c>{}</c> for an empty dict, <c>&lt;aim.image&gt;</c> for a custom object). Bytes that are not a tree path or an
/// Aim value fall back to the escaped rendering, marked with a leading <c>!</c>, so nothing is hidden.
/// <c>--from</c>, <c>--to</c> and <c>--prefix</c> take a path as comma-separated segments: quoted strings, or integers
/// for int segments (<c>hparams,lr</c> or <c>'runs',0</c>); a prefix of whole segments selects a subtree.
/// </summary>
public sealed class AimFormat : IByteFormat
{
    private static readonly EscapedFormat Fallback = new();

    public string Name => "aim";

    public bool Quoted => false;

    public string Render(ReadOnlySpan<byte> bytes, ByteRole role)
    {
        try
        {
            return role == ByteRole.Key ? PathSegment.Format(TreePath.Decode(bytes)) : RenderValue(AimValue.Parse(bytes));
        }
        catch (AimFormatException) when (role == ByteRole.Value && TryRenderChunk(bytes, out string chunk))
        {
            return chunk;
        }
        catch (AimFormatException)
        {
            return "!" + Fallback.Render(bytes, role);
        }
    }

    /// <summary>A sequence chunk (docs/format.md, section 13.2), summarized: record count, step range, value kind and
    /// the first values.</summary>
    private static bool TryRenderChunk(ReadOnlySpan<byte> bytes, out string text)
    {
        try
        {
            var chunk = ChunkSummary.Read(bytes);
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"<chunk v{chunk.Version} {chunk.ValueKind} x{chunk.Count} steps {chunk.FirstStep}..{chunk.LastStep}");
            if (chunk.FirstValues.Count > 0)
            {
                sb.Append(": ");
                for (int i = 0; i < chunk.FirstValues.Count; i++)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{(i > 0 ? ", " : "")}{chunk.FirstValues[i].Key}={FormatFloat(chunk.FirstValues[i].Value)}");
                }

                sb.Append(chunk.Count > chunk.FirstValues.Count ? ", ..." : "");
            }

            text = sb.Append('>').ToString();
            return true;
        }
        catch (AimFormatException)
        {
            text = "";
            return false;
        }
    }

    private static string RenderValue(AimValue v) => v.Type switch
    {
        AimType.None => "None",
        AimType.Bool => v.AsBool() ? "True" : "False",
        AimType.Int => v.AsLong().ToString(CultureInfo.InvariantCulture),
        AimType.Float => FormatFloat(v.AsDouble()),
        AimType.Str => Quote(v.AsString()),
        AimType.Bytes => "b'" + Fallback.Render(v.Bytes, ByteRole.Value) + "'",
        AimType.List => "[]",
        AimType.Dict => "{}",
        AimType.CustomObject => "<" + v.TypeName() + ">",
        _ => "?",
    };

    private static string FormatFloat(double d) =>
        double.IsNaN(d) ? "nan" : double.IsPositiveInfinity(d) ? "inf" : double.IsNegativeInfinity(d) ? "-inf"
        : d.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string s) => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    public byte[] Parse(string text)
    {
        var segments = new List<PathSegment>();
        string t = text.Trim();
        if (t.StartsWith('(') && t.EndsWith(')'))
        {
            t = t[1..^1];
        }
        foreach (string raw in t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (raw.Length >= 2 && (raw[0] is '\'' or '"') && raw[^1] == raw[0])
            {
                segments.Add(raw[1..^1]);
            }
            else if (long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n))
            {
                segments.Add(n);
            }
            else
            {
                segments.Add(raw);
            }
        }
        if (segments.Count == 0)
        {
            throw new FormatException($"'{text}' names no path segment (write segments separated by commas, e.g. hparams,lr)");
        }
        try
        {
            return TreePath.Encode(segments.ToArray());
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"'{text}': {e.Message}", e);
        }
    }
}
