using System.Globalization;
using AimLsm.Remote;
using AimLsm.Tree;

namespace AimLsm.CrashChild;

/// <summary>
/// A tracking client of a remote repo, for the kill tests of remote tracking (engine.tests/Remote/RemoteKillTests.cs):
/// <c>AimLsm.CrashChild remote &lt;server url&gt; &lt;token&gt; &lt;points&gt; &lt;flush every&gt; &lt;spool dir&gt;</c>.
/// </summary>
/// <remarks>
/// Connects with <see cref="RemoteRepo.Connect"/>, creates one run and prints <c>run H</c>, then tracks
/// <c>points</c> values into <see cref="TreeChild.Loss"/> (steps 0, 1, ...; values <see cref="TreeChild.LossAt"/>),
/// calling <see cref="IRepo.Flush"/> after every <c>flush every</c> points and printing <c>flushed N</c> once the
/// first N points are acknowledged durable; at the end it flushes, prints <c>done N</c> and closes. The server may be
/// killed and restarted meanwhile: a flush waits (up to its timeout) and the client resends by itself. A flush that
/// times out prints <c>timeout N</c> and tries again, so the child finishes once the server is back.
/// </remarks>
public static class RemoteChild
{
    /// <summary>The first argument that selects this workload.</summary>
    public const string Mode = "remote";

    /// <summary>Runs the workload; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        if (args is not [string url, string token, string pointsText, string flushText, string spool])
        {
            Console.Error.WriteLine("usage: AimLsm.CrashChild remote <server url> <token> <points> <flush every> <spool dir>");
            return 2;
        }

        long points = long.Parse(pointsText, CultureInfo.InvariantCulture);
        long flushEvery = long.Parse(flushText, CultureInfo.InvariantCulture);
        var options = new RemoteRepoOptions { Token = token, SpoolPath = spool, FlushTimeout = TimeSpan.FromSeconds(5) };
        using var repo = RemoteRepo.Connect(new Uri(url), options);
        using IRun run = repo.CreateRun(experiment: "remote-kill", name: $"pid {Environment.ProcessId}");
        Console.WriteLine($"run {run.Hash}");
        for (long step = 0; step < points; step++)
        {
            run.Track(TreeChild.LossAt(step), TreeChild.Loss, step: step);
            if ((step + 1) % flushEvery == 0)
            {
                FlushUntilAcknowledged(repo, step + 1);
                Console.WriteLine($"flushed {step + 1}");
            }
        }

        FlushUntilAcknowledged(repo, points);
        Console.WriteLine($"done {points}");
        return 0;
    }

    // A server that is down for longer than the flush timeout is the test's normal case (it restarts the server), so
    // the child keeps waiting; the test bounds the whole run.
    private static void FlushUntilAcknowledged(IRepo repo, long tracked)
    {
        while (true)
        {
            try
            {
                repo.Flush();
                return;
            }
            catch (TimeoutException)
            {
                Console.WriteLine($"timeout {tracked}");
            }
        }
    }
}
