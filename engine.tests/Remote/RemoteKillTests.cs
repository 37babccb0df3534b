using System.Diagnostics;
using System.Globalization;
using AimLsm.CrashChild;
using AimLsm.Tests.Tree.Repo;
using AimLsm.Tests.Testing;
using AimLsm.Tree;
using Xunit.Abstractions;
using TreeRepo = AimLsm.Tree.Repo;

namespace AimLsm.Tests.Remote;

/// <summary>
/// Remote tracking under SIGKILL, with real processes (issue 18, tests): a writable aim-server process and tracking
/// clients (<see cref="RemoteChild"/> in the crash child), all on 127.0.0.1. The server is killed and restarted under
/// eight clients; a client is killed while tracking; a client tracks its whole run with the server down. Every point a
/// client saw acknowledged (its <c>flushed N</c> lines) must be in the server's repo exactly once, and clients finish
/// by themselves. Each test is bounded (the children's waits and the test's own).
/// </summary>
[Collection(nameof(RemoteKillTests))]
public sealed class RemoteKillTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(120);
    private const string Token = "remote-kill-test-token-0123456789abcdef";
    private readonly TempDirectory _dir = new();

    private string RepoPath => Path.Combine(_dir.Path, "server.aimlsm");

    [Fact]
    public void The_server_killed_twice_under_eight_clients_loses_no_acknowledged_point_and_the_clients_finish()
    {
        const int Clients = 8, Points = 6_000, FlushEvery = 250;
        int port = TrackingHost.FreePort(); // the same port across a restart: clients reconnect by themselves
        TreeChildProcess server = StartServer(port);
        var clients = new List<TreeChildProcess>();
        try
        {
            for (int i = 0; i < Clients; i++)
            {
                clients.Add(StartClient(port, Points, FlushEvery, i));
            }

            string[] hashes = clients.Select(c => c.WaitFor("run ", Long)).ToArray();
            var acknowledged = new long[Clients];
            for (int kill = 0; kill < 2; kill++)
            {
                // Let every client get points acknowledged, then kill the server in the middle of their tracking.
                for (int i = 0; i < Clients; i++)
                {
                    acknowledged[i] = Math.Max(acknowledged[i], clients[i].LatestFlushed());
                }

                server.Kill();
                output.WriteLine($"kill {kill + 1}: acknowledged before it: {string.Join(", ", acknowledged)}");
                Thread.Sleep(500);
                server.Dispose();
                server = StartServer(port);
            }

            for (int i = 0; i < Clients; i++)
            {
                Assert.Equal(Points.ToString(CultureInfo.InvariantCulture), clients[i].WaitFor("done ", Long));
                clients[i].AssertExitsCleanly(Long);
            }

            server.Kill();
            long total = AssertPoints(hashes, Points);
            output.WriteLine($"{Clients} clients, {total:N0} points read back exactly once each, {acknowledged.Sum():N0} acknowledged before the kills");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
            server.Dispose();
        }
    }

    [Fact]
    public void A_client_killed_while_tracking_loses_nothing_it_had_flushed()
    {
        int port = TrackingHost.FreePort();
        using TreeChildProcess server = StartServer(port);
        long flushed;
        string hash;
        using (TreeChildProcess client = StartClient(port, 10_000_000, 1_000, 0))
        {
            hash = client.WaitFor("run ", Long);
            client.WaitFor("flushed ", Long);
            Thread.Sleep(300);
            flushed = client.LatestFlushed(); // acknowledged durable before the kill below
            client.Kill();
        }

        server.Kill();
        using TreeRepo repo = TreeRepo.OpenReadOnly(RepoPath);
        SequenceData loss = repo.GetRun(hash).GetSequence(TreeChild.Loss).Read();
        output.WriteLine($"flushed before the kill: {flushed:N0}; in the repo: {loss.Count:N0}");
        Assert.True(loss.Count >= flushed, $"the repo holds {loss.Count} points of the {flushed} the client had flushed");
        AssertPrefix(loss, loss.Count);
    }

    [Fact]
    public void A_client_that_tracked_its_whole_run_with_the_server_down_drains_its_spool_once_the_server_is_up()
    {
        const int Points = 20_000;
        int port = TrackingHost.FreePort(); // the port the client retries; the server starts on it later
        using TreeChildProcess client = StartClient(port, Points, Points, 0);
        string hash = client.WaitFor("run ", Long);
        client.WaitFor("timeout ", Long); // every point tracked and spooled; the flush waits for a server
        using TreeChildProcess server = StartServer(port);
        Assert.Equal(Points.ToString(CultureInfo.InvariantCulture), client.WaitFor("done ", Long));
        client.AssertExitsCleanly(Long);
        server.Kill();
        AssertPoints([hash], Points);
    }

    private TreeChildProcess StartServer(int port)
    {
        string tokenFile = Path.Combine(_dir.Path, "token");
        File.WriteAllText(tokenFile, Token + "\n");
        Directory.CreateDirectory(RepoPath);
        TreeChildProcess server = TreeChildProcess.StartProgram(Path.Combine(AppContext.BaseDirectory, "aim-server.dll"),
            "--repo", RepoPath, "--writable", "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--token-file", tokenFile);
        server.WaitFor("serving ", Long);
        return server;
    }

    private TreeChildProcess StartClient(int port, long points, long flushEvery, int index) =>
        TreeChildProcess.StartProgram(AimLsm.Tests.Crash.CrashChildBinary.Path, RemoteChild.Mode, $"http://127.0.0.1:{port}", Token,
            points.ToString(CultureInfo.InvariantCulture), flushEvery.ToString(CultureInfo.InvariantCulture),
            Path.Combine(_dir.Path, $"spool-{index}"));

    /// <summary>Every run holds exactly steps 0 .. points - 1 of the loss with the child's values; returns the total.</summary>
    private long AssertPoints(IEnumerable<string> hashes, long points)
    {
        using TreeRepo repo = TreeRepo.OpenReadOnly(RepoPath);
        long total = 0;
        foreach (string hash in hashes)
        {
            SequenceData loss = repo.GetRun(hash).GetSequence(TreeChild.Loss).Read();
            Assert.Equal(points, loss.Count);
            AssertPrefix(loss, points);
            total += loss.Count;
        }

        return total;
    }

    private static void AssertPrefix(SequenceData loss, long count)
    {
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i, loss.Steps[i]);
            Assert.Equal(TreeChild.LossAt(i), loss.Numbers![i]);
        }
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>The kill tests start nine processes each: they run alone.</summary>
[CollectionDefinition(nameof(RemoteKillTests), DisableParallelization = true)]
public sealed class RemoteKillTestsCollection;
