using System.Text;

namespace AimLsm.Tests.LsmDump;

/// <summary>
/// Golden tests of lsm-dump's output, data-driven: each file in testdata/lsm-dump/golden holds one case,
/// <code>
/// lsm-dump ARGS...          (the command line; {db} is the fixture database)
/// exit N                    (the expected exit code)
/// ----
/// expected stdout
/// </code>
/// Add a case by adding a file with the first three lines; AIMLSM_REGENERATE_GOLDEN=1 rewrites every expected
/// output (and the fixture database, see <see cref="LsmDumpFixture"/>) instead of comparing.
/// </summary>
public sealed class LsmDumpGoldenTests
{
    private const string Separator = "----";

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        string dir = Path.Combine(AppContext.BaseDirectory, "testdata", "lsm-dump", "golden");
        foreach (string file in Directory.EnumerateFiles(dir, "*.txt").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Output_matches_golden(string name)
    {
        string db = LsmDumpFixture.Dir;
        string path = Path.Combine(LsmDumpFixture.TestData, "golden", name);
        string text = File.ReadAllText(path).ReplaceLineEndings("\n");
        string[] lines = text.Split('\n');
        Assert.True(lines.Length >= 3 && lines[0].StartsWith("lsm-dump ", StringComparison.Ordinal) && lines[2] == Separator,
            $"{name}: expected 'lsm-dump ARGS', 'exit N', '{Separator}' as the first three lines");
        string[] args = lines[0]["lsm-dump ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(a => a.Replace("{db}", db, StringComparison.Ordinal)).ToArray();
        int expectedExit = int.Parse(lines[1]["exit ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        string expected = string.Join('\n', lines.Skip(3));

        LsmDumpRunner.Result r = LsmDumpRunner.Run(args);
        string actual = r.Stdout.Replace(db, "{db}", StringComparison.Ordinal);

        if (LsmDumpFixture.Regenerate)
        {
            var sb = new StringBuilder();
            sb.Append(lines[0]).Append('\n').Append("exit ").Append(r.ExitCode).Append('\n').Append(Separator).Append('\n').Append(actual);
            File.WriteAllText(path, sb.ToString());
            return;
        }
        Assert.True(r.Stderr.Length == 0 || r.ExitCode != 0, $"{name}: unexpected stderr: {r.Stderr}");
        Assert.Equal(expected, actual);
        Assert.Equal(expectedExit, r.ExitCode);
    }
}
