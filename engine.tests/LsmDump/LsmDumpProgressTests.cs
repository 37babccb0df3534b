using AimLsm.Tests.Bench;

namespace AimLsm.Tests.LsmDump;

/// <summary>
/// Long commands show a progress line on a terminal and nothing of it when their output is piped: lsm-dump's verify
/// and scan, and engine.bench's workloads, through the one shared line (tools/Shared/ConsoleProgress.cs).
/// </summary>
public sealed class LsmDumpProgressTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public void Verify_on_a_terminal_draws_progress_on_stderr_and_clears_it()
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int code = Tools.LsmDump.LsmDump.Run(["verify", LsmDumpFixture.Dir], stdout, stderr, interactive: true);
        Assert.Equal(0, code);
        string drawn = stderr.ToString();
        Assert.StartsWith("\rverify: 1 files", drawn, StringComparison.Ordinal);
        Assert.EndsWith("\r", drawn, StringComparison.Ordinal); // blanked, so the summary starts on a clean line
        Assert.Equal(LsmDumpRunner.Run("verify", LsmDumpFixture.Dir).Stdout, stdout.ToString());
    }

    [Fact]
    public void Piped_output_of_lsm_dump_verify_has_no_progress_characters()
    {
        ChildProgram.Result r = ChildProgram.Run(ChildProgram.LsmDumpDll, Timeout, "verify", LsmDumpFixture.Dir);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("result", r.Stdout, StringComparison.Ordinal);
        Assert.Empty(r.Stderr);
        Assert.DoesNotContain('\r', r.Stdout);
    }

    [Fact]
    public void Piped_output_of_a_bench_workload_has_no_progress_characters()
    {
        ChildProgram.Result r = ChildProgram.Run(ChildProgram.BenchDll, Timeout, "stream", "--runs", "2", "--steps", "200", "--repeat", "1");
        Assert.True(r.ExitCode == 0, $"exit code {r.ExitCode}; stderr: {r.Stderr}");
        Assert.Contains("built 2 runs", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', r.Stdout + r.Stderr);
        Assert.DoesNotContain("building", r.Stdout + r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bench_workload_on_a_terminal_draws_progress()
    {
        // util-linux's script gives the child a pseudo-terminal for stdout and stderr, as a person's shell would.
        Assert.True(File.Exists("/usr/bin/script"), "this test needs /usr/bin/script (util-linux) for a pseudo-terminal");
        string command = $"dotnet '{ChildProgram.BenchDll}' stream --runs 4 --steps 50000 --repeat 1";
        ChildProgram.Result r = ChildProgram.Run("/usr/bin/script", Timeout, "-qec", command, "/dev/null");
        Assert.True(r.ExitCode == 0, $"exit code {r.ExitCode}; output: {r.Stdout} {r.Stderr}");
        Assert.Contains("\r  building 4 runs x 4 sequences: ", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("built 4 runs", r.Stdout, StringComparison.Ordinal);
    }
}
