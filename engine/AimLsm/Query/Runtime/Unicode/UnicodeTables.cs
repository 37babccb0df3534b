using System.Globalization;
using System.Reflection;

namespace AimLsm.Query.Runtime.Unicode;

/// <summary>
/// The Unicode data behind Python's str casing and NFKC, read once, on first use, from <c>python-unicode.txt</c>
/// (embedded; written by <c>make_python_unicode.py</c>, which asks python3, so AimQL follows the Python and Unicode
/// versions named in its header). .NET's own casing and normalization cannot serve: the build sets
/// InvariantGlobalization, under which they do not follow Unicode, and they map one UTF-16 unit to one
/// (<c>'ß'.upper()</c> is <c>'SS'</c> in Python). Immutable after loading, so thread-safe.
/// </summary>
internal sealed class UnicodeTables
{
    /// <summary>Lowercase property (Python's <c>str.islower</c> of one character).</summary>
    public const byte Lowercase = 1;

    /// <summary>Uppercase property (<c>str.isupper</c>).</summary>
    public const byte Uppercase = 2;

    /// <summary>Cased: Lowercase, Uppercase or titlecase letter.</summary>
    public const byte Cased = 4;

    /// <summary>Case_Ignorable, which Python's Final_Sigma rule reads.</summary>
    public const byte CaseIgnorable = 8;

    private const string ResourceName = "AimLsm.Query.Runtime.Unicode.python-unicode.txt";

    private static readonly Lazy<UnicodeTables> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Dictionary<int, CaseMapping> _casing = [];
    private readonly List<(int First, int Last, byte Flags)> _flags = [];
    private readonly Dictionary<int, int[]> _decompositions = [];
    private readonly List<(int First, int Last, byte Class)> _combining = [];
    private readonly Dictionary<long, int> _compositions = [];

    private UnicodeTables()
    {
    }

    /// <summary>The tables, loaded on first use.</summary>
    public static UnicodeTables Instance => Loaded.Value;

    /// <summary>The Unicode version of the tables (<c>unicodedata.unidata_version</c> of the Python that wrote them).</summary>
    public string UnicodeVersion { get; private set; } = "";

    /// <summary>The Python version that wrote the tables.</summary>
    public string PythonVersion { get; private set; } = "";

    /// <summary>The full case mappings of <paramref name="codePoint"/>, or null when every mapping is the code point itself.</summary>
    public CaseMapping? Casing(int codePoint) => _casing.GetValueOrDefault(codePoint);

    /// <summary>The case properties of <paramref name="codePoint"/> (<see cref="Lowercase"/>, ...).</summary>
    public byte Flags(int codePoint) => Find(_flags, codePoint);

    /// <summary>The full compatibility decomposition (NFKD) of <paramref name="codePoint"/>, or null when it is itself (Hangul syllables: null, decomposed by algorithm).</summary>
    public int[]? Decomposition(int codePoint) => _decompositions.GetValueOrDefault(codePoint);

    /// <summary>The canonical combining class of <paramref name="codePoint"/>.</summary>
    public byte CombiningClass(int codePoint) => Find(_combining, codePoint);

    /// <summary>The primary composite of <paramref name="first"/> and <paramref name="second"/>, or -1.</summary>
    public int Compose(int first, int second) => _compositions.GetValueOrDefault(((long)first << 21) | (uint)second, -1);

    private static byte Find(List<(int First, int Last, byte Value)> ranges, int codePoint)
    {
        int lo = 0;
        int hi = ranges.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            (int first, int last, byte value) = ranges[mid];
            if (codePoint < first)
            {
                hi = mid - 1;
            }
            else if (codePoint > last)
            {
                lo = mid + 1;
            }
            else
            {
                return value;
            }
        }

        return 0;
    }

    private static UnicodeTables Load()
    {
        using Stream stream = typeof(UnicodeTables).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from {typeof(UnicodeTables).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        var tables = new UnicodeTables();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            try
            {
                tables.Parse(line);
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException)
            {
                throw new InvalidDataException($"{ResourceName}, line {lineNumber}: '{line}' is not a valid table line ({e.Message}).", e);
            }
        }

        return tables;
    }

    private void Parse(string line)
    {
        if (line.Length == 0)
        {
            return;
        }

        string[] f = line.Split(' ');
        switch (f[0])
        {
            case "#":
                if (f.Length >= 3 && f[1] == "python")
                {
                    PythonVersion = f[2];
                }

                break;
            case "unicode":
                UnicodeVersion = f[1];
                break;
            case "C":
                int cp = Hex(f[1]);
                _casing[cp] = new CaseMapping(Mapping(cp, f[2]), Mapping(cp, f[3]), Mapping(cp, f[4]), Mapping(cp, f[5]));
                break;
            case "F":
                _flags.Add((Hex(f[1]), Hex(f[2]), ParseFlags(f[3])));
                break;
            case "D":
                _decompositions[Hex(f[1])] = CodePoints(f[2]);
                break;
            case "K":
                _combining.Add((Hex(f[1]), Hex(f[2]), byte.Parse(f[3], CultureInfo.InvariantCulture)));
                break;
            case "P":
                _compositions[((long)Hex(f[1]) << 21) | (uint)Hex(f[2])] = Hex(f[3]);
                break;
            default:
                throw new FormatException($"unknown line kind '{f[0]}'");
        }
    }

    private static byte ParseFlags(string text)
    {
        byte flags = 0;
        foreach (char c in text)
        {
            flags |= c switch
            {
                'l' => Lowercase,
                'u' => Uppercase,
                'c' => Cased,
                'i' => CaseIgnorable,
                _ => throw new FormatException($"unknown flag '{c}'"),
            };
        }

        return flags;
    }

    private static string Mapping(int codePoint, string text)
    {
        if (text == "=")
        {
            return char.ConvertFromUtf32(codePoint);
        }

        var builder = new System.Text.StringBuilder();
        foreach (int point in CodePoints(text))
        {
            builder.Append(char.ConvertFromUtf32(point));
        }

        return builder.ToString();
    }

    private static int[] CodePoints(string text) => Array.ConvertAll(text.Split(','), Hex);

    private static int Hex(string text) => int.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
