using System.Diagnostics;
using AimLsm.Encoding;
using AimLsm.Kv.IO;
using AimLsm.Remote;
using AimLsm.Testing;
using AimLsm.Tests.Remote;
using AimLsm.Tree;
using Xunit.Abstractions;

namespace AimLsm.Tests.Crash;

/// <summary>
/// Power loss under a tracking server (issue 18, point 3): a session sends numbered batches of points (and a tree
/// write each) over a real loopback socket to a <see cref="TrackingServer"/> whose repo sits on a
/// <see cref="FaultInjectionFileSystem"/>, and the machine loses power at a random moment, torn writes in half the
/// cycles. After the reboot the session's Welcome must cover every batch acknowledged before, and every batch up to
/// the Welcome's number must be there whole: the marker never outlives its points. The session then resends from
/// there, and the next cycle goes on. CI: 100 cycles; AIMLSM_REMOTE_POWERLOSS_CYCLES=N, or AIMLSM_SOAK=1 (2000).
/// A failure prints its seed; AIMLSM_REPO_FAULT_SEED=S replays it.
/// </summary>
public sealed class RemotePowerLossTests(ITestOutputHelper output)
{
    private const string Hash = "0123456789abcdef01234567";
    private const int PointsPerBatch = 40;

    private static int Cycles() =>
        int.TryParse(Environment.GetEnvironmentVariable("AIMLSM_REMOTE_POWERLOSS_CYCLES"), out int n) ? n
        : Environment.GetEnvironmentVariable("AIMLSM_SOAK") == "1" ? 2000 : 100;

    private static double ValueOf(long step) => step * 3.0 + 0.5;

    [Fact]
    public async Task Power_loss_under_a_tracking_server_keeps_every_acknowledged_batch_and_no_marker_without_its_points()
    {
        int seed = RepoPowerLossTests.Seed(0x7e40);
        var rng = new Random(seed);
        var mem = new MemFileSystem();
        var fs = new FaultInjectionFileSystem(mem);
        var session = Guid.NewGuid();
        ulong acknowledged = 0;
        long lost = 0;
        var watch = Stopwatch.StartNew();
        int cycle = 0;
        try
        {
            for (; cycle < Cycles() && watch.Elapsed < TimeSpan.FromSeconds(90); cycle++)
            {
                Repo repo = Repo.Open(RepoFaultModel.Path, RepoFaultModel.Options(fs, rng));
                var server = new TrackingServer(repo);
                try
                {
                    RawTrackingClient client = await RawTrackingClient.ConnectAsync(server);
                    ulong welcome = await client.HelloAsync(session);
                    Assert.True(welcome >= acknowledged, $"cycle {cycle}: the Welcome says batch {welcome}, but batch {acknowledged} was acknowledged before the power loss");
                    Verify(repo, welcome, cycle);
                    lost += (long)(welcome - Math.Min(welcome, acknowledged));

                    // Batches after the Welcome, pipelined; the power goes after some acks, or with some in flight.
                    int send = rng.Next(1, 9);
                    int awaitAcks = rng.Next(0, send + 1);
                    var batch = new BatchWriter();
                    for (ulong n = welcome + 1; n <= welcome + (ulong)send; n++)
                    {
                        await client.SendAsync(Batch(batch, n));
                    }

                    if (awaitAcks > 0)
                    {
                        await client.AckedAsync(welcome + (ulong)awaitAcks);
                        acknowledged = welcome + (ulong)awaitAcks;
                    }

                    await Task.Delay(rng.Next(0, 4));
                    fs.SimulatePowerLoss(rng.Next(2) == 0 ? rng : null);
                    await client.DropAsync().ContinueWith(_ => { }, TaskScheduler.Default);
                }
                finally
                {
                    server.Dispose();
                    try
                    {
                        repo.Dispose();
                    }
                    catch (Exception e) when (e is IOException or RepoException or Kv.DbException)
                    {
                        // The disk went away under it: that is the test.
                    }

                    fs.Active = true;
                }
            }

            using Repo last = Repo.Open(RepoFaultModel.Path, RepoFaultModel.Options(mem, rng));
            ulong final = last.ReadSessionMarker(session);
            Assert.True(final >= acknowledged, $"after the last cycle the marker says {final}, but {acknowledged} was acknowledged");
            Verify(last, final, cycle);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            output.WriteLine($"seed {seed} (AIMLSM_REPO_FAULT_SEED={seed} replays it), cycle {cycle}");
            throw;
        }

        output.WriteLine($"{cycle} cycles in {watch.Elapsed.TotalSeconds:0.0} s; {acknowledged} batches acknowledged; " +
            $"{lost} applied but not yet acknowledged when the power went, kept");
        Assert.True(cycle >= Math.Min(Cycles(), 5), $"only {cycle} cycles ran in the time budget");
    }

    /// <summary>Batch <paramref name="number"/>: its points, and the tree value "last" = its number.</summary>
    private static byte[] Batch(BatchWriter batch, ulong number)
    {
        batch.CreateRun(Hash, 1_795_000_000.5, "e", "power", null, []);
        int sequence = batch.Sequence(Hash, "m", BatchWriter.EncodeRecords(null));
        long first = ((long)number - 1) * PointsPerBatch;
        for (long step = first; step < first + PointsPerBatch; step++)
        {
            batch.TrackFloat(sequence, step, long.MinValue, step, ValueOf(step));
        }

        batch.SetAttr(Hash, TreePath.Encode(["last"]), (long)number);
        return batch.Finish(number);
    }

    /// <summary>Every batch up to <paramref name="marker"/> is there whole, and nothing else but such points.</summary>
    private static void Verify(Repo repo, ulong marker, int cycle)
    {
        if (marker == 0)
        {
            return;
        }

        Run run = repo.GetRun(Hash);
        SequenceData data = run.GetSequence("m").Read();
        var present = new HashSet<long>(data.Steps);
        for (int i = 0; i < data.Count; i++)
        {
            Assert.True(data.Numbers![i] == ValueOf(data.Steps[i]), $"cycle {cycle}: step {data.Steps[i]} holds {data.Numbers[i]}, not {ValueOf(data.Steps[i])}");
        }

        long needed = (long)marker * PointsPerBatch;
        for (long step = 0; step < needed; step++)
        {
            Assert.True(present.Contains(step), $"cycle {cycle}: the marker says batch {marker} is applied, but step {step} (batch {step / PointsPerBatch + 1}) is missing");
        }

        Assert.True((long)run.Tree["last"].Value! >= (long)marker, $"cycle {cycle}: the tree says {run.Tree["last"].Value}, the marker {marker}");
    }
}
