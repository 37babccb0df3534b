using AimLsm.Testing;
using System.Diagnostics;
using AimLsm.Kv.IO;
using AimLsm.Tree;
using Xunit.Abstractions;

namespace AimLsm.Tests.Crash;

/// <summary>
/// Power loss under the repo layer (issue 16, point 3): a worker opens the repo on a
/// <see cref="FaultInjectionFileSystem"/> over memory and creates, resumes, tracks, flushes, closes and deletes runs
/// at random while the machine loses power at a random moment (during <see cref="Repo.Open"/> in some cycles, with
/// torn unsynced writes in half of them). After the reboot the repo must open and hold every acknowledged point,
/// run and deletion, and nothing else but whole prefixes of what was tracked (<see cref="RepoFaultModel"/>); then the
/// next cycle writes on over what survived. CI: 50 cycles; AIMLSM_REPO_POWERLOSS_CYCLES=N, or AIMLSM_SOAK=1 (1000).
/// A failure prints its seed; AIMLSM_REPO_FAULT_SEED=S replays it.
/// </summary>
public class RepoPowerLossTests(ITestOutputHelper output)
{
    private static int Cycles() =>
        int.TryParse(Environment.GetEnvironmentVariable("AIMLSM_REPO_POWERLOSS_CYCLES"), out int n) ? n
        : Environment.GetEnvironmentVariable("AIMLSM_SOAK") == "1" ? 1000 : 50;

    /// <summary>The seed to replay, or a fresh one.</summary>
    internal static int Seed(int salt) =>
        int.TryParse(Environment.GetEnvironmentVariable("AIMLSM_REPO_FAULT_SEED"), out int s) ? s : Environment.TickCount ^ salt;

    /// <summary>
    /// The marker is durable before any run is: a power loss right after a repo is made, with a run tracked and
    /// flushed into it, leaves a repo (not a folder without its marker, which reads as "not a repo") holding the run.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_power_loss_right_after_a_repo_is_made_leaves_a_repo_with_its_acknowledged_run(bool trackFirst)
    {
        var mem = new MemFileSystem();
        var fs = new FaultInjectionFileSystem(mem);
        var rng = new Random(1);
        var model = new RepoFaultModel();
        var workload = new RepoFaultWorkload(model, rng);
        workload.Run(RepoFaultModel.Options(fs, rng), maxOperations: 0, budget: TimeSpan.FromSeconds(10), stop: () => false);
        Assert.Null(workload.Error);
        string? hash = null;
        if (trackFirst)
        {
            using Run run = workload.Repo!.CreateRun(name: model.NextName());
            RepoFaultModel.RunModel r = model.Created(run);
            hash = run.Hash;
            for (long step = 0; step < 10; step++)
            {
                run.Track(RepoFaultModel.ValueOf(r.Index, step), RepoFaultModel.Sequence, step);
            }

            run.Flush();
            r.Tracked = 10;
            r.Acknowledge(10);
            r.Open = null;
        }

        fs.SimulatePowerLoss();
        workload.CloseRepo();
        fs.Active = true;
        using Repo again = Repo.Open(RepoFaultModel.Path, RepoFaultModel.Options(mem, rng));
        model.VerifyAndAdopt(again, $"power loss right after the repo was made{(trackFirst ? " and a run tracked" : "")}");
        Assert.Equal(hash is null ? Array.Empty<string>() : new[] { hash }, again.Runs.Select(r => r.Hash));
    }

    [Fact]
    public void Power_loss_under_the_repo_keeps_every_acknowledged_point_run_and_deletion()
    {
        int cycles = Cycles();
        int seed = Seed(0x5eed);
        var rng = new Random(seed);
        var mem = new MemFileSystem();
        var model = new RepoFaultModel();
        var failedIn = RepoFaultWorkload.OperationNames.ToDictionary(n => n, _ => 0);
        long bytesDropped = 0, filesRemoved = 0, renamesUndone = 0;
        var watch = Stopwatch.StartNew();
        int cycle = 0;
        try
        {
            for (; cycle < cycles && watch.Elapsed < TimeSpan.FromSeconds(90); cycle++)
            {
                var fs = new FaultInjectionFileSystem(mem);
                RepoOptions options = RepoFaultModel.Options(fs, rng);
                var workload = new RepoFaultWorkload(model, new Random(rng.Next()));
                bool early = rng.Next(5) == 0; // the loss lands during Repo.Open
                bool torn = rng.Next(2) == 0;
                string context = $"seed {seed}, cycle {cycle}, {(early ? "early" : "late")} loss, torn writes {torn}";
                var stop = new ManualResetEventSlim();
                var worker = new Thread(() =>
                {
                    workload.Run(options, maxOperations: 2_000, budget: TimeSpan.FromSeconds(10), stop: () => stop.IsSet);
                    stop.Wait(TimeSpan.FromSeconds(30)); // the repo stays open until the power is gone
                    workload.CloseRepo(); // the file system is off: nothing it does reaches the "disk"
                });
                worker.Start();
                Thread.Sleep(early ? rng.Next(0, 2) : rng.Next(2, 60));
                PowerLossStats loss = fs.SimulatePowerLoss(torn ? new Random(rng.Next()) : null);
                stop.Set();
                Assert.True(worker.Join(TimeSpan.FromSeconds(60)), $"the worker hung after the power loss ({context})");
                fs.Active = true;
                bytesDropped += loss.BytesDropped;
                filesRemoved += loss.FilesRemoved;
                renamesUndone += loss.RenamesUndone;
                if (workload.FailedIn is { } op)
                {
                    failedIn[op]++;
                    RepoFaultAssert.CausedByInjection(workload.Error!, $"{op} failed ({context})");
                }

                // The reboot: a writable open on the surviving files (no fault wrapper) must work and match the oracle.
                using Repo again = Repo.Open(RepoFaultModel.Path, RepoFaultModel.Options(mem, rng));
                model.VerifyAndAdopt(again, context);
            }
        }
        finally
        {
            output.WriteLine($"seed {seed} (AIMLSM_REPO_FAULT_SEED replays it): {cycle} cycles in {watch.Elapsed.TotalSeconds:F1} s, " +
                $"{model.RunCount} runs alive; power lost during {string.Join(", ", failedIn.Select(p => $"{p.Key} {p.Value}"))}; " +
                $"{bytesDropped} unsynced bytes dropped, {filesRemoved} files and {renamesUndone} renames undone");
        }

        Assert.True(cycle >= Math.Min(cycles, 3), $"only {cycle} cycles ran in the time bound (seed {seed})");
    }
}
