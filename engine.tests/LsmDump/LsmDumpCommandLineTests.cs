namespace AimLsm.Tests.LsmDump;

/// <summary>
/// lsm-dump's command line on System.CommandLine: generated help, typo suggestions, and System.CommandLine's own parse
/// errors turned into lsm-dump's one-line messages with exit code 2 (System.CommandLine alone would exit 1).
/// </summary>
public sealed class LsmDumpCommandLineTests
{
    [Fact]
    public void Help_lists_every_command_with_its_summary_and_exits_0()
    {
        LsmDumpRunner.Result r = LsmDumpRunner.Run("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Empty(r.Stderr);
        foreach (string command in new[] { "wal", "sst", "manifest", "db", "scan", "verify" })
        {
            Assert.Contains("\n  " + command + " <", r.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_subcommands_help_shows_its_options_and_its_details()
    {
        LsmDumpRunner.Result r = LsmDumpRunner.Run("scan", "-h");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("--limit <N>", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("--json", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("Details:\n  Prints the live keys and values", r.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sst", "--key", "--keys")]
    [InlineData("scan", "--limt", "--limit")]
    [InlineData("scan", "--jsn", "--json")]
    public void A_mistyped_option_gets_a_suggestion_and_exit_code_2(string command, string typed, string meant)
    {
        foreach (string[] args in new[] { new[] { command, "x", typed }, [command, typed, "x"] })
        {
            LsmDumpRunner.Result r = LsmDumpRunner.Run(args);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal($"lsm-dump {command}: unknown option '{typed}'; did you mean {meant}? (see lsm-dump {command} --help)\n", r.Stderr);
        }
    }

    [Fact]
    public void A_mistyped_command_gets_a_suggestion()
    {
        LsmDumpRunner.Result r = LsmDumpRunner.Run("verfy", "x");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("lsm-dump: unknown command 'verfy'; commands: wal, sst, manifest, db, scan, verify; did you mean verify? (lsm-dump --help)\n", r.Stderr);
    }

    [Theory]
    [InlineData("lsm-dump sst: option --from needs a value", "sst", "x.sst", "--from")]
    [InlineData("lsm-dump wal: expected one FILE, got 2 arguments: a.log b.log", "wal", "a.log", "b.log")]
    public void Parse_errors_exit_2_with_one_line(string expected, params string[] args)
    {
        LsmDumpRunner.Result r = LsmDumpRunner.Run(args);
        Assert.Equal(expected + "\n", r.Stderr);
        Assert.Equal(2, r.ExitCode);
        Assert.Empty(r.Stdout);
    }

    [Fact]
    public void A_value_System_CommandLine_takes_as_text_is_still_checked()
    {
        LsmDumpRunner.Result r = LsmDumpRunner.Run("scan", LsmDumpFixture.Dir, "--limit", "-1");
        Assert.Equal("lsm-dump scan: --limit wants a non-negative integer, not '-1'\n", r.Stderr);
        Assert.Equal(2, r.ExitCode);
    }
}
