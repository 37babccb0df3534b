using System.Diagnostics;
using AimLsm.Tree;

namespace AimLsm.Tests.Crash;

/// <summary>
/// Random repo operations against a <see cref="RepoFaultModel"/>: open the repo, resume and create runs, track
/// points, flush a run or the repo, close runs, delete closed runs. It stops at the first exception (the fault)
/// or when it is told to, and records in the model only what returned.
/// </summary>
internal sealed class RepoFaultWorkload(RepoFaultModel model, Random rng)
{
    /// <summary>Names of the operations, for the tests' coverage counts.</summary>
    public static readonly string[] OperationNames = ["Repo.Open", "CreateRun", "OpenRun", "Run.Track", "Run.Flush", "Repo.Flush", "Run.Dispose", "DeleteRun"];

    /// <summary>The repo opened, or null when the open failed.</summary>
    public Repo? Repo { get; private set; }

    /// <summary>The operation that threw, or null.</summary>
    public string? FailedIn { get; private set; }

    /// <summary>The exception that stopped the workload, or null.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Operations that returned.</summary>
    public int Completed { get; private set; }

    /// <summary>Opens the repo with <paramref name="options"/> and runs operations until one throws, <paramref name="stop"/>
    /// is set, <paramref name="maxOperations"/> returned or <paramref name="budget"/> is spent.</summary>
    public void Run(RepoOptions options, int maxOperations, TimeSpan budget, Func<bool> stop)
    {
        var watch = Stopwatch.StartNew();
        if (!Step("Repo.Open", () => Repo = AimLsm.Tree.Repo.Open(RepoFaultModel.Path, options)))
        {
            return;
        }

        Repo repo = Repo!;
        while (Completed < maxOperations && watch.Elapsed < budget && !stop())
        {
            List<RepoFaultModel.RunModel> open = [.. model.Runs.Where(r => r.Open is not null)];
            List<RepoFaultModel.RunModel> closed = [.. model.Runs.Where(r => r.Open is null && !r.Deleted)];
            int dice = rng.Next(100);
            bool ok;
            if (open.Count == 0 || dice < 4)
            {
                List<RepoFaultModel.RunModel> resumable = [.. closed.Where(r => !r.Undone)];
                if (resumable.Count > 0 && rng.Next(2) == 0)
                {
                    RepoFaultModel.RunModel r = resumable[rng.Next(resumable.Count)];
                    ok = Step("OpenRun", () => r.Open = repo.OpenRun(r.Hash));
                }
                else
                {
                    string name = model.NextName();
                    ok = Step("CreateRun", () => model.Created(repo.CreateRun(name: name)), () => model.CreateFailed(name));
                }
            }
            else if (dice < 70)
            {
                RepoFaultModel.RunModel r = open[rng.Next(open.Count)];
                int points = rng.Next(1, 40);
                ok = Step("Run.Track", () =>
                {
                    for (int i = 0; i < points; i++)
                    {
                        r.Open!.Track(RepoFaultModel.ValueOf(r.Index, r.Tracked), RepoFaultModel.Sequence, r.Tracked);
                        r.Tracked++; // only once Track returned
                    }
                });
            }
            else if (dice < 80)
            {
                RepoFaultModel.RunModel r = open[rng.Next(open.Count)];
                long tracked = r.Tracked;
                ok = Step("Run.Flush", () =>
                {
                    r.Open!.Flush();
                    r.Acknowledge(tracked);
                });
            }
            else if (dice < 87)
            {
                Dictionary<string, long> tracked = model.SnapshotOpen();
                ok = Step("Repo.Flush", () =>
                {
                    repo.Flush();
                    model.RepoFlushed(tracked);
                });
            }
            else if (dice < 94)
            {
                RepoFaultModel.RunModel r = open[rng.Next(open.Count)];
                long tracked = r.Tracked;
                ok = Step("Run.Dispose", () =>
                {
                    Run run = r.Open!;
                    r.Open = null; // disposed even when it throws: the repo releases it either way
                    run.Dispose();
                    r.Acknowledge(tracked);
                    r.Durable = true; // its end time was written synced, after its props
                });
            }
            else if (closed.Count > 0)
            {
                RepoFaultModel.RunModel r = closed[rng.Next(closed.Count)];
                ok = Step("DeleteRun", () =>
                {
                    r.DeleteTried = true;
                    repo.DeleteRun(r.Hash);
                    r.Deleted = true;
                });
            }
            else
            {
                continue;
            }

            if (!ok)
            {
                return;
            }
        }
    }

    /// <summary>Closes the repo, whatever state the fault left it in: the fault tests reopen it afterwards, so this
    /// must release its engines and locks even when it throws. Returns what it threw.</summary>
    public Exception? CloseRepo()
    {
        foreach (RepoFaultModel.RunModel r in model.Runs)
        {
            r.Open = null;
        }

        try
        {
            Repo?.Dispose();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private bool Step(string name, Action action, Action? onFailure = null)
    {
        try
        {
            action();
            Completed++;
            return true;
        }
        catch (Exception e)
        {
            onFailure?.Invoke();
            FailedIn = name;
            Error = e;
            return false;
        }
    }
}
