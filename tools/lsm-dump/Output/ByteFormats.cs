namespace AimLsm.Tools.LsmDump.Output;

/// <summary>
/// The registry of <c>--format</c> decoders. <c>hex</c>, <c>escaped</c> and <c>aim</c> (the experiment tree's
/// paths and values) are built in; another layer adds its own with <see cref="Register"/> before calling
/// <see cref="LsmDump.Run"/>.
/// </summary>
public static class ByteFormats
{
    private static readonly Dictionary<string, IByteFormat> s_formats = new(StringComparer.Ordinal)
    {
        ["aim"] = new AimFormat(),
        ["escaped"] = new EscapedFormat(),
        ["hex"] = new HexFormat(),
    };

    /// <summary>The format used when <c>--format</c> is not given.</summary>
    public const string Default = "escaped";

    /// <summary>Adds or replaces a decoder.</summary>
    public static void Register(IByteFormat format)
    {
        lock (s_formats)
        {
            s_formats[format.Name] = format;
        }
    }

    /// <summary>The names that <c>--format</c> accepts, sorted.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            lock (s_formats)
            {
                return [.. s_formats.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    public static bool TryGet(string name, out IByteFormat format)
    {
        lock (s_formats)
        {
            return s_formats.TryGetValue(name, out format!);
        }
    }
}
