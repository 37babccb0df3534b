using System.Globalization;

namespace AimLsm.Tests.Bench;

/// <summary>
/// engine.bench's command line on System.CommandLine, run as the program itself (a child process, output piped):
/// generated help, System.CommandLine's typo suggestions, and every kind of bad input as one line on stderr with exit
/// code 2 before any workload starts.
/// </summary>
public sealed class BenchCommandLineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void Help_lists_every_command_and_exits_0()
    {
        ChildProgram.Result r = ChildProgram.Run(ChildProgram.BenchDll, Timeout, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Empty(r.Stderr);
        foreach (string command in new[] { "dbbench", "track", "query", "frontend", "stream", "bigvalue", "micro", "budget", "remote" })
        {
            Assert.Contains("\n  " + command + " ", r.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_commands_help_shows_its_options_with_their_defaults()
    {
        ChildProgram.Result r = ChildProgram.Run(ChildProgram.BenchDll, Timeout, "dbbench", "-h");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("--benchmarks, --workloads <LIST>", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("--num <N>", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("[default: 1000000]", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repeated_dbbench_reports_the_median_of_its_passes_and_no_ratio_against_a_peer_without_fsync()
    {
        ChildProgram.Result r = ChildProgram.Run(ChildProgram.BenchDll, TimeSpan.FromSeconds(120),
            "dbbench", "--engines", "aimlsm,zonetree", "--workloads", "fillseq,fillsync", "--num", "2000", "--num-sync", "20",
            "--sync-threads", "2", "--write-threads", "1", "--min-seconds", "0", "--repeat", "3", "--no-files");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("## pass 3 of 3", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("## pass 4", r.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\nfillseq +aimlsm .*median of 3 passes, [0-9,]+-[0-9,]+ ops/s", r.Stdout);
        // ZoneTree's fillsync does not fsync: its ops/s are shown, its ratio is not.
        Assert.Matches(@"\nfillsync +[0-9,]+ +[0-9,]+ +-\n", r.Stdout);
    }

    [Fact]
    public void A_workload_done_before_the_minimum_time_runs_again_but_the_load_of_the_reads_never_does()
    {
        string results = Path.Combine(Path.GetTempPath(), "aimlsm-bench-min-" + Guid.NewGuid().ToString("N"));
        try
        {
            ChildProgram.Result r = ChildProgram.Run(ChildProgram.BenchDll, TimeSpan.FromSeconds(120),
                "dbbench", "--engines", "aimlsm", "--workloads", "fillseq,fillrandom,readseq", "--num", "2000",
                "--threads", "1", "--write-threads", "1,2", "--min-seconds", "1", "--results", results);
            Assert.Equal(0, r.ExitCode);
            string csv = File.ReadAllText(Assert.Single(Directory.GetFiles(results, "*.csv")));
            (long Ops, double Seconds) Row(string workload, int threads)
            {
                string[] f = csv.Split('\n').Single(l => l.StartsWith($"{workload},{threads},aimlsm,", StringComparison.Ordinal)).Split(',');
                return (long.Parse(f[3], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture));
            }
            // The load writes exactly the keys the reads look for; everything else runs at least a second.
            Assert.Equal(2000, Row("fillseq", 1).Ops);
            foreach ((string workload, int threads) in new[] { ("fillseq", 2), ("fillrandom", 1), ("fillrandom", 2), ("readseq", 1) })
            {
                (long ops, double seconds) = Row(workload, threads);
                Assert.True(seconds >= 1, $"{workload} x{threads} ran {seconds} s");
                Assert.True(ops > 2000, $"{workload} x{threads} ran {ops} ops, not more than one round of 2,000");
            }
        }
        finally
        {
            if (Directory.Exists(results))
            {
                Directory.Delete(results, recursive: true);
            }
        }
    }

    [Fact]
    public void A_mistyped_option_gets_a_suggestion_and_exit_code_2()
    {
        ChildProgram.Result r = ChildProgram.Run(ChildProgram.BenchDll, Timeout, "track", "--quik");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("engine.bench track: unknown option '--quik'; did you mean --quick? (see engine.bench track --help)\n", r.Stderr);
        Assert.Empty(r.Stdout);
    }

    [Theory]
    [InlineData("engine.bench: name a command: dbbench, track, query, frontend, stream, bigvalue, micro, budget, remote (engine.bench --help)")]
    [InlineData("engine.bench: unknown command 'trak'; commands: dbbench, track, query, frontend, stream, bigvalue, micro, budget, remote; did you mean track? (engine.bench --help)", "trak")]
    [InlineData("engine.bench track: option --runs needs a value (see engine.bench track --help)", "track", "--runs")]
    [InlineData("engine.bench track: --runs needs an integer of at least 1, not '0' (see engine.bench track --help)", "track", "--runs", "0")]
    [InlineData("engine.bench bigvalue: --mb needs an integer from 1 to 240, not '300' (see engine.bench bigvalue --help)", "bigvalue", "--mb", "300")]
    [InlineData("engine.bench dbbench: --engines: unknown engine 'leveldb'; known: aimlsm,rocksdb,zonetree (see engine.bench dbbench --help)", "dbbench", "--engines", "aimlsm,leveldb")]
    [InlineData("engine.bench dbbench: --min-seconds needs an integer from 0 to 3600, not '-1' (see engine.bench dbbench --help)", "dbbench", "--min-seconds", "-1")]
    [InlineData("engine.bench dbbench: --repeat needs an integer from 1 to 99, not '0' (see engine.bench dbbench --help)", "dbbench", "--repeat", "0")]
    [InlineData("engine.bench zonetree-table: --shapes: unknown shape 'float'; known: int,str (see engine.bench zonetree-table --help)", "dbbench", "zonetree-table", "--shapes", "float")]
    [InlineData("engine.bench track: --variant: unknown name 'short'; known: order, long, many (see engine.bench track --help)", "track", "--variant", "short")]
    [InlineData("engine.bench stream: unexpected argument 'extra' (see engine.bench stream --help)", "stream", "extra")]
    public void Bad_input_exits_2_with_one_line(string expected, params string[] args)
    {
        ChildProgram.Result r = ChildProgram.Run(ChildProgram.BenchDll, Timeout, args);
        Assert.Equal(expected + "\n", r.Stderr);
        Assert.Equal(2, r.ExitCode);
        Assert.Empty(r.Stdout);
    }
}
