using System.Text.RegularExpressions;
using AimLsm.Server;
using AimLsm.Tests.Testing;
using AimLsm.Tree;

namespace AimLsm.Tests.Server;

/// <summary>The aim-server command line, in-process: usage, argument errors, a folder that is not a repo, and a serve-then-stop cycle.</summary>
public partial class ServerCommandTests
{
    [Fact]
    public async Task Help_prints_usage_and_exits_0()
    {
        (int code, string stdout, _) = await RunAsync(["--help"]);
        Assert.Equal(0, code);
        Assert.Contains("--repo <PATH>", stdout);
        Assert.Contains("--writable", stdout);
        Assert.Contains("GET /api/runs/search/metric", stdout);
        Assert.Contains("GET /api/tracking", stdout);
    }

    [Theory]
    [InlineData(new string[0], "--repo PATH is required")]
    [InlineData(new[] { "--repo" }, "--repo needs a value")]
    [InlineData(new[] { "--repo", "x", "--port", "70000" }, "--port must be a number")]
    [InlineData(new[] { "--repo", "x", "--host", "example.com" }, "not an IP address")]
    [InlineData(new[] { "--repo", "x", "--bogus" }, "unknown argument '--bogus'")]
    [InlineData(new[] { "--repo", "x", "--writeable" }, "unknown argument '--writeable'; did you mean --writable?")]
    [InlineData(new[] { "--repo", "x", "--port", "abc" }, "--port must be a number from 0 to 65535, not 'abc'")]
    public async Task Bad_arguments_exit_2_with_a_message(string[] args, string message)
    {
        (int code, _, string stderr) = await RunAsync(args);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public async Task A_folder_that_is_not_a_repo_exits_2_naming_it()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Sub("notes.txt"), "not a repo");
        (int code, _, string stderr) = await RunAsync(["--repo", dir.Path, "--port", "0"]);
        Assert.Equal(2, code);
        Assert.Contains("is not an AimLsm repo", stderr);
        Assert.Contains(dir.Path, stderr);

        (code, _, stderr) = await RunAsync(["--repo", dir.Sub("missing"), "--port", "0"]);
        Assert.Equal(2, code);
        Assert.Contains("does not exist", stderr);
    }

    [Fact]
    public async Task Serves_a_repo_read_only_until_stopped()
    {
        using var dir = new TempDirectory();
        string hash;
        using (Repo repo = Repo.Open(dir.Path))
        {
            using Run run = repo.CreateRun("cli");
            run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.5 };
            hash = run.Hash;
        }

        using var stop = new CancellationTokenSource();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Task<int> serving = ServerCommand.RunAsync(["--repo", dir.Path, "--port=0", "--host", "localhost"], TextWriter.Synchronized(stdout), stderr, stop.Token);

        Match started = Match.Empty;
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); !started.Success && clock.Elapsed < TimeSpan.FromSeconds(10); await Task.Delay(20))
        {
            Assert.False(serving.IsCompleted, stderr.ToString());
            started = ServingLine().Match(stdout.ToString());
        }

        Assert.True(started.Success, $"no start line in: {stdout}");
        Assert.Equal(Path.GetFullPath(dir.Path), started.Groups["repo"].Value);
        using (var client = new HttpClient { BaseAddress = new Uri(started.Groups["url"].Value) })
        {
            string body = await client.GetStringAsync($"api/runs/{hash}");
            Assert.Contains("\"lr\":0.5", body);
        }

        await stop.CancelAsync();
        Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(string.Empty, stderr.ToString());
    }

    [Fact]
    public async Task A_quarantined_slot_is_printed_at_start_and_the_rest_is_served()
    {
        using var dir = new TempDirectory();
        (string path, string damaged, string healthy, string wal, _) = AimLsm.Tests.Tree.Repo.DamagedWalTests.BuildDamaged(dir);
        using var stop = new CancellationTokenSource();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Task<int> serving = ServerCommand.RunAsync(["--repo", path, "--port=0"], TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), stop.Token);
        Match started = Match.Empty;
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); !started.Success && clock.Elapsed < TimeSpan.FromSeconds(10); await Task.Delay(20))
        {
            Assert.False(serving.IsCompleted, stderr.ToString());
            started = ServingLine().Match(stdout.ToString());
        }

        Assert.True(started.Success, $"no start line in: {stdout}");
        string printed = stderr.ToString();
        Assert.Contains("aim-server: error: ", printed, StringComparison.Ordinal);
        Assert.Contains("QUARANTINED", printed, StringComparison.Ordinal);
        Assert.Contains(wal, printed, StringComparison.Ordinal);
        Assert.Contains(damaged, printed, StringComparison.Ordinal);
        using (var client = new HttpClient { BaseAddress = new Uri(started.Groups["url"].Value) })
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync($"api/runs/{healthy}")).StatusCode);
        }

        await stop.CancelAsync();
        Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await ServerCommand.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [GeneratedRegex(@"serving (?<repo>\S+) on (?<url>http://127\.0\.0\.1:\d+/)")]
    private static partial Regex ServingLine();
}
