using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AimLsm.Testing;

/// <summary>
/// The black-box crash test (RocksDB's <c>db_crashtest.py blackbox</c>) for any workload: a child process runs your
/// workload (<see cref="CrashChild.Run"/>) on the real disk, logging each step as pending before it and acknowledged
/// after it; the harness kills it with SIGKILL at a random moment, hands your verifier the expected state (every
/// acknowledged step, and the one pending at the kill), then starts a new child that writes on. Repeat.
/// </summary>
/// <remarks>
/// The verifier reopens the storage in <see cref="CrashCycle.Directory"/>, checks that every step of
/// <see cref="CrashCycle.History"/> survived and nothing else did, except possibly <see cref="CrashCycle.Pending"/>
/// whole, throws on a violation and returns whether it found the pending step applied (the harness then keeps it in
/// the history). A child that exits by itself, or does not say ready within
/// <see cref="CrashHarnessOptions.ReadyTimeout"/>, fails the run with its standard error. Every wait is bounded; the
/// children are killed and reaped before <see cref="Run"/> returns or throws.
/// </remarks>
public static class CrashHarness
{
    /// <summary>The line a child prints on standard output once its storage is open (<see cref="CrashChildContext.Ready"/>).</summary>
    public const string ReadyLine = "ready";

    /// <summary>Runs <see cref="CrashHarnessOptions.Cycles"/> kill-reopen-verify cycles over <paramref name="directory"/>.</summary>
    /// <param name="options">The child and the kill schedule.</param>
    /// <param name="directory">A folder of its own for the run: the storage goes in <c>data/</c>, the logs beside it.</param>
    /// <param name="verify">Checks one cycle; throws on a violation, returns whether the pending step was applied.</param>
    /// <exception cref="ExpectedStateException">The child misbehaved (exited, never ready) or wrote a log out of order.</exception>
    public static CrashHarnessReport Run(CrashHarnessOptions options, string directory, Func<CrashCycle, bool> verify)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(verify);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Cycles);
        if (options.MinRunTime < TimeSpan.Zero || options.MaxRunTime < options.MinRunTime)
        {
            throw new ArgumentException($"CrashHarnessOptions: MinRunTime ({options.MinRunTime}) must be at least zero and at most MaxRunTime ({options.MaxRunTime})", nameof(options));
        }
        if (!File.Exists(options.ChildPath))
        {
            throw new FileNotFoundException($"the crash child is missing at {options.ChildPath}", options.ChildPath);
        }
        int seed = options.Seed ?? Environment.TickCount;
        var rng = new Random(seed);
        string data = Path.Combine(directory, "data");
        Directory.CreateDirectory(data);
        var history = new List<CrashRecord>();
        long nextId = 1, acked = 0;
        int pendingSeen = 0, pendingApplied = 0, early = 0;
        var watch = Stopwatch.StartNew();
        for (int cycle = 0; cycle < options.Cycles; cycle++)
        {
            string logPath = Path.Combine(directory, $"expected-{cycle}.log");
            int childSeed = rng.Next();
            bool fromStart = options.EarlyKillOneIn > 0 && rng.Next(options.EarlyKillOneIn) == 0;
            int waitMs = fromStart ? rng.Next(50, 800) : rng.Next((int)options.MinRunTime.TotalMilliseconds, (int)options.MaxRunTime.TotalMilliseconds + 1);
            bool ready = RunAndKill(options, data, logPath, childSeed, nextId, fromStart, waitMs);
            early += ready ? 0 : 1;

            CrashLog log = CrashLog.Read(logPath, nextId);
            history.AddRange(log.Acknowledged);
            acked += log.Acknowledged.Count;
            string context = string.Create(CultureInfo.InvariantCulture,
                $"cycle {cycle}, seed {seed}, child seed {childSeed}, steps {nextId}..{log.NextId - 1}, {log.Acknowledged.Count} acknowledged, pending {log.Pending?.Id.ToString(CultureInfo.InvariantCulture) ?? "none"}{(ready ? "" : ", killed before ready")}");
            bool applied = verify(new CrashCycle(cycle, data, childSeed, [.. history], log.Acknowledged, log.Pending, ready, context));
            if (log.Pending is { } p)
            {
                pendingSeen++;
                if (applied)
                {
                    pendingApplied++;
                    history.Add(p);
                }
            }
            nextId = log.NextId;
        }
        return new CrashHarnessReport(seed, options.Cycles, acked, pendingSeen, pendingApplied, early, watch.Elapsed);
    }

    /// <summary>Starts the child, waits, kills it with SIGKILL. Returns whether it had said ready.</summary>
    private static bool RunAndKill(CrashHarnessOptions options, string data, string logPath, int seed, long firstId, bool fromStart, int waitMs)
    {
        bool viaDotnet = options.ChildPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var psi = new ProcessStartInfo(viaDotnet ? "dotnet" : options.ChildPath)
        {
            // Never the test process's current directory, which a parallel test may have changed and deleted.
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(options.ChildPath))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (viaDotnet)
        {
            psi.ArgumentList.Add(options.ChildPath);
        }
        foreach (string a in options.ChildArguments)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (string a in new[] { data, logPath, seed.ToString(CultureInfo.InvariantCulture), firstId.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }
        using var child = Process.Start(psi) ?? throw new ExpectedStateException($"could not start the crash child {options.ChildPath}");
        var stderr = new StringBuilder();
        using var readySignal = new ManualResetEventSlim(false);
        try
        {
            child.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (stderr)
                    {
                        stderr.AppendLine(e.Data);
                    }
                }
            };
            child.OutputDataReceived += (_, e) =>
            {
                if (e.Data == ReadyLine)
                {
                    readySignal.Set();
                }
            };
            child.BeginErrorReadLine();
            child.BeginOutputReadLine();
            if (!fromStart && !readySignal.Wait(options.ReadyTimeout) && !child.HasExited)
            {
                throw new ExpectedStateException($"the crash child did not say ready within {options.ReadyTimeout.TotalSeconds:F0} s");
            }
            if (child.WaitForExit(waitMs))
            {
                child.WaitForExit(); // drains the output readers
                lock (stderr)
                {
                    throw new ExpectedStateException($"the crash child exited by itself (code {child.ExitCode}) before the kill: {stderr}");
                }
            }
            return readySignal.IsSet;
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(); // SIGKILL on Unix: no finalizers, no Dispose, no flush
            }
            child.WaitForExit();
        }
    }
}
