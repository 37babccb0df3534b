using System.Diagnostics;
using System.Reflection;
using AimLsm.Query.Runtime.Unicode;

namespace AimLsm.Tests.Query;

/// <summary>
/// The checked-in Unicode data (engine/AimLsm/Query/Runtime/Unicode/python-unicode.txt) against the running python3: the
/// same Unicode version, and byte for byte what its generator writes today. Skipped, saying why, without python3 or
/// when its Unicode version is another one (then regenerate the tables with that python3).
/// </summary>
public sealed class UnicodeTablesTests
{
    [PythonUnicodeFact]
    public void Tables_match_the_running_python3()
    {
        Assert.Equal(PythonOracle.UnicodeVersion, UnicodeTables.Instance.UnicodeVersion);
        string script = Path.Combine(RepoRoot(), "engine", "AimLsm", "Query", "Runtime", "Unicode", "make_python_unicode.py");
        ProcessStartInfo info = PythonOracle.StartInfo([script]);
        info.RedirectStandardOutput = true;
        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("make_python_unicode.py ran longer than 120 s");
        }

        using Stream stream = typeof(UnicodeTables).Assembly.GetManifestResourceStream("AimLsm.Query.Runtime.Unicode.python-unicode.txt")!;
        string embedded = new StreamReader(stream).ReadToEnd();
        // The python version line may differ between patch releases of one Unicode version; the data may not.
        static string Data(string text) => string.Join("\n", text.Split('\n').Where(l => !l.StartsWith("# python ", StringComparison.Ordinal)));
        Assert.True(Data(embedded) == Data(output.Result), "python-unicode.txt differs from what make_python_unicode.py writes with this python3: regenerate it");
    }

    [Theory]
    [InlineData("ß", "SS", "ß", "Ss", "ss")]
    [InlineData("ﬁ", "FI", "ﬁ", "Fi", "fi")]
    [InlineData("ΑΣ", "ΑΣ", "ας", "Ας", "ασ")]
    [InlineData("ΑΣ Σ", "ΑΣ Σ", "ας σ", "Ας Σ", "ασ σ")]
    [InlineData("ǅ", "Ǆ", "ǆ", "ǅ", "ǆ")]
    [InlineData("İ", "İ", "i̇", "İ", "i̇")]
    [InlineData("hello wORLD", "HELLO WORLD", "hello world", "Hello World", "hello world")]
    public void Casing_follows_python(string text, string upper, string lower, string title, string fold)
    {
        Assert.Equal(upper, PyCasing.Upper(text));
        Assert.Equal(lower, PyCasing.Lower(text));
        Assert.Equal(title, PyCasing.Title(text));
        Assert.Equal(fold, PyCasing.CaseFold(text));
    }

    [Theory]
    [InlineData("ｌｒ", "lr")]
    [InlineData("𝐥𝐫", "lr")]
    [InlineData("ﬁ", "fi")]
    [InlineData("e\u0301", "é")]
    [InlineData("\u1100\u1161\u11A8", "각")]
    [InlineData("Å", "Å")]
    [InlineData("lr", "lr")]
    public void Nfkc_follows_unicode(string text, string expected) => Assert.Equal(expected, PyNormalization.Nfkc(text));

    private static string RepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AimLsm.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no AimLsm.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>A fact that needs python3 with the Unicode version of the checked-in tables; skipped, with the reason, otherwise.</summary>
internal sealed class PythonUnicodeFactAttribute : FactAttribute
{
    public PythonUnicodeFactAttribute()
    {
        if (PythonOracle.Unavailable is { } why)
        {
            Skip = why;
        }
        else if (PythonOracle.UnicodeVersion != UnicodeTables.Instance.UnicodeVersion)
        {
            Skip = $"python3 has Unicode {PythonOracle.UnicodeVersion}, the tables {UnicodeTables.Instance.UnicodeVersion}: regenerate " +
                "engine/AimLsm/Query/Runtime/Unicode/python-unicode.txt with make_python_unicode.py beside it";
        }
    }
}
