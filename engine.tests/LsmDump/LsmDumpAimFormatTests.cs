using AimLsm.Kv;
using AimLsm.Tests.Testing;
using AimLsm.Encoding;

namespace AimLsm.Tests.LsmDump;

/// <summary><c>--format aim</c>: tree paths and Aim values decoded, paths accepted as ranges and prefixes.</summary>
public class LsmDumpAimFormatTests
{
    private static string BuildRunTree(TempDirectory dir)
    {
        string path = dir.Sub("aim.db");
        using var db = Db.Open(path, new DbOptions { CreateIfMissing = true });
        var run = new Dictionary<string, object?>
        {
            ["hparams"] = new Dictionary<string, object?> { ["lr"] = 3e-4, ["optimizer"] = "adam", ["layers"] = new long[] { 256, 128 } },
            ["name"] = "baseline",
            ["archived"] = false,
            ["notes"] = null,
        };
        byte[] prefix = TreePath.Encode(new PathSegment[] { "meta", "runs", "abc123" });
        new TreeWriter().Flatten(run, prefix, (key, value) => db.Put(key, value));
        db.Put("not a tree key"u8, "\x01raw"u8);
        db.Flush();
        return path;
    }

    [Fact]
    public void Scan_renders_paths_as_tuples_and_values_as_Aim_values()
    {
        using var dir = new TempDirectory();
        string path = BuildRunTree(dir);
        LsmDumpRunner.Result r = LsmDumpRunner.Run("scan", path, "--format", "aim");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("('meta', 'runs', 'abc123', 'hparams', 'lr')", r.Stdout);
        Assert.Contains("0.0003", r.Stdout);
        Assert.Contains("'adam'", r.Stdout);
        Assert.Contains("('meta', 'runs', 'abc123', 'hparams', 'layers', 1)", r.Stdout);
        Assert.Contains("False", r.Stdout);
        Assert.Contains("None", r.Stdout);
        Assert.Contains("!not a tree key", r.Stdout); // not a tree path: shown escaped, marked
    }

    [Fact]
    public void A_path_prefix_selects_a_subtree()
    {
        using var dir = new TempDirectory();
        string path = BuildRunTree(dir);
        LsmDumpRunner.Result r = LsmDumpRunner.Run("scan", path, "--format", "aim", "--prefix", "meta,runs,abc123,hparams");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("'lr'", r.Stdout);
        Assert.Contains("'optimizer'", r.Stdout);
        Assert.DoesNotContain("'name'", r.Stdout);
        Assert.DoesNotContain("baseline", r.Stdout);
    }

    [Fact]
    public void An_empty_path_is_refused_with_a_clear_message()
    {
        using var dir = new TempDirectory();
        string path = BuildRunTree(dir);
        LsmDumpRunner.Result r = LsmDumpRunner.Run("scan", path, "--format", "aim", "--prefix", " , ");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("path segment", r.Stderr);
    }
}
