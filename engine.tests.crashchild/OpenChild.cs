using AimLsm.Kv;
using AimLsm.Tree;

namespace AimLsm.CrashChild;

/// <summary>
/// One open attempt in a process of its own, for the true-cause tests (engine.tests/Lsm/DbOpenTests.cs, engine.tests/Tree/Repo/BadInputTests.cs): the
/// parent starts it as an unprivileged user, inside a private mount namespace over a read-only bind mount, or under a
/// low descriptor limit, things the test process itself cannot be. Usage:
/// <c>AimLsm.CrashChild open &lt;target&gt; &lt;path&gt; [exhaust-fds]</c>, where target is one of <see cref="Targets"/>.
/// </summary>
/// <remarks>
/// It prints one line, <c>opened</c> or <c>refused &lt;exception type&gt;: &lt;message&gt;</c>, and exits 0; a bad
/// command line exits 2. With <c>exhaust-fds</c> it first runs the same attempt once on a scratch folder next to
/// <c>path</c> (so that every assembly and resource it needs is loaded while descriptors are still free), then opens
/// <c>/dev/null</c> until the kernel says EMFILE (at most <see cref="MaxDescriptors"/>, so run it under a low
/// <c>RLIMIT_NOFILE</c>), makes the attempt, and closes them all before printing.
/// </remarks>
public static class OpenChild
{
    /// <summary>The first argument that selects this mode.</summary>
    public const string Mode = "open";

    /// <summary>The most descriptors it opens looking for the limit.</summary>
    public const int MaxDescriptors = 65_536;

    /// <summary>What the attempt opens: <c>Db.Open</c> (CreateIfMissing), <c>Db.OpenReadOnly</c>, <c>Repo.Open</c>,
    /// <c>Repo.OpenReadOnly</c>, <c>Repo.Open</c> then <c>CreateRun</c>, or <c>Repo.Open</c> then <c>OpenRun</c> of the
    /// repo's first run (both take a writer slot, the second the run's own, as a takeover).</summary>
    public static readonly string[] Targets = ["db", "db-readonly", "repo", "repo-readonly", "repo-run", "repo-resume"];

    /// <summary>Runs the mode; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        if (args is not [string target, string path, ..] || !Targets.Contains(target) ||
            args.Length > 3 || (args.Length == 3 && args[2] != "exhaust-fds"))
        {
            Console.Error.WriteLine($"usage: AimLsm.CrashChild open <{string.Join('|', Targets)}> <path> [exhaust-fds]");
            return 2;
        }

        if (args.Length == 3)
        {
            string scratch = path + ".warmup";
            Console.Out.WriteLine("warm-up " + Attempt(target, scratch));
            Console.Out.Flush();
            string outcome = WithDescriptorsExhausted(() => Attempt(target, path), out int opened);
            Console.Out.WriteLine($"exhausted after {opened} descriptors");
            Console.Out.WriteLine(outcome);
        }
        else
        {
            Console.Out.WriteLine(Attempt(target, path));
        }

        Console.Out.Flush();
        return 0;
    }

    private static string Attempt(string target, string path)
    {
        try
        {
            switch (target)
            {
                case "db":
                    Db.Open(path, new DbOptions { CreateIfMissing = true }).Dispose();
                    break;
                case "db-readonly":
                    Db.OpenReadOnly(path).Dispose();
                    break;
                case "repo":
                    Repo.Open(path).Dispose();
                    break;
                case "repo-readonly":
                    Repo.OpenReadOnly(path).Dispose();
                    break;
                case "repo-run":
                    using (Repo repo = Repo.Open(path))
                    {
                        repo.CreateRun(name: "child").Dispose();
                    }

                    break;
                default:
                    using (Repo repo = Repo.Open(path))
                    {
                        repo.OpenRun(repo.Runs.First().Hash).Dispose();
                    }

                    break;
            }

            return "opened";
        }
        catch (Exception e)
        {
            return $"refused {e.GetType().Name}: {e.Message}";
        }
    }

    private static string WithDescriptorsExhausted(Func<string> attempt, out int opened)
    {
        var held = new List<FileStream>();
        try
        {
            try
            {
                while (held.Count < MaxDescriptors)
                {
                    held.Add(new FileStream("/dev/null", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1));
                }
            }
            catch (IOException)
            {
                // EMFILE: the table is full, which is the point.
            }

            opened = held.Count;
            return attempt();
        }
        finally
        {
            foreach (FileStream f in held)
            {
                f.Dispose();
            }
        }
    }
}
