using System.Globalization;
using AimLsm.Testing;
using AimLsm.Tree;

namespace AimLsm.CrashChild;

/// <summary>
/// A repo under SIGKILL (engine.tests/Crash/RepoCrashHarnessTests.cs): each child creates a run and tracks
/// <see cref="Loss"/> in batches of random size, each ended by <see cref="Run.Flush"/>, which is the step it logs:
/// <c>&lt;run hash&gt; &lt;points&gt;</c>, the points that must be in the run once the flush returned.
/// </summary>
/// <remarks>Values derive from the step alone (<see cref="LossAt"/>), so the verifier checks every point it reads.</remarks>
public static class RepoCrashWorkload
{
    /// <summary>The first argument that selects this workload.</summary>
    public const string Mode = "repo";

    /// <summary>The sequence tracked, with the empty context.</summary>
    public const string Loss = "loss";

    /// <summary>The value tracked at <paramref name="step"/>.</summary>
    public static double LossAt(long step) => 1.0 / (step + 1) + step * 0.25;

    /// <summary>Runs until the harness kills the process.</summary>
    public static void Run(CrashChildContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        using Repo repo = Repo.Open(ctx.Directory);
        using Run run = repo.CreateRun(experiment: "crash", name: "child-" + ctx.Seed.ToString(CultureInfo.InvariantCulture));
        ctx.Ready();
        long step = 0;
        // Bounded: past a million points the child only flushes, so a forgotten one cannot fill the disk.
        while (true)
        {
            int batch = ctx.Random.Next(1, 400);
            for (int i = 0; i < batch && step < 1_000_000; i++, step++)
            {
                run.Track(LossAt(step), Loss, step);
            }
            ctx.Pending($"{run.Hash} {step.ToString(CultureInfo.InvariantCulture)}");
            run.Flush();
            ctx.Ack();
        }
    }
}
