using System.Globalization;
using System.Text;

namespace AimLsm.Testing;

/// <summary>
/// What a crash workload gets in the child process: where to write, its seed, and the expected-state log. The
/// workload opens its storage, calls <see cref="Ready"/>, then wraps every step in <see cref="Pending"/> and
/// <see cref="Ack"/>, and runs until it is killed.
/// </summary>
/// <remarks>
/// The log is handed to the OS after every line (one write(2) per line, no user-space buffer) and never fsynced: the
/// harness kills the process, not the machine, and a killed process loses nothing it gave the kernel. Power loss is
/// another failure (the log and the storage could lose different amounts); test it in process with
/// <see cref="FaultInjectionFileSystem"/> and <see cref="CrashOracle"/>. Not thread-safe: one step at a time.
/// </remarks>
public sealed class CrashChildContext : IDisposable
{
    private readonly FileStream _stream;
    private readonly StreamWriter _log;
    private long _pending = -1;

    internal CrashChildContext(string directory, string logPath, int seed, long firstId)
    {
        Directory = directory;
        Seed = seed;
        Random = new Random(seed);
        NextId = firstId;
        _stream = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 1);
        _log = new StreamWriter(_stream, new UTF8Encoding(false), bufferSize: 4096) { AutoFlush = true };
    }

    /// <summary>The folder the workload writes under (the same in every cycle).</summary>
    public string Directory { get; }

    /// <summary>This child's seed (the harness reports it with a failure).</summary>
    public int Seed { get; }

    /// <summary>A generator seeded with <see cref="Seed"/>.</summary>
    public Random Random { get; }

    /// <summary>The id the next <see cref="Pending"/> gets.</summary>
    public long NextId { get; private set; }

    /// <summary>Says the storage is open: the harness waits for it before its kill timer starts (but for early kills).</summary>
    public void Ready()
    {
        Console.Out.WriteLine(CrashHarness.ReadyLine);
        Console.Out.Flush();
    }

    /// <summary>Logs a step about to run, described by <paramref name="text"/> (one line); returns its id.</summary>
    /// <exception cref="InvalidOperationException">The previous step was not acknowledged, or the text holds a line break.</exception>
    public long Pending(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_pending >= 0 || text.Contains('\n', StringComparison.Ordinal) || text.Contains('\r', StringComparison.Ordinal))
        {
            throw new InvalidOperationException(_pending >= 0 ? $"step {_pending} is still pending: Ack it first" : "a step's text must be one line");
        }
        _pending = NextId;
        _log.WriteLine(text.Length == 0
            ? $"{CrashLog.PendingWord} {_pending.ToString(CultureInfo.InvariantCulture)}"
            : $"{CrashLog.PendingWord} {_pending.ToString(CultureInfo.InvariantCulture)} {text}");
        return _pending;
    }

    /// <summary>Logs that the pending step returned: from now on it must survive a kill.</summary>
    /// <exception cref="InvalidOperationException">No step is pending.</exception>
    public void Ack()
    {
        if (_pending < 0)
        {
            throw new InvalidOperationException("no step is pending");
        }
        _log.WriteLine($"{CrashLog.AckWord} {_pending.ToString(CultureInfo.InvariantCulture)}");
        NextId = _pending + 1;
        _pending = -1;
    }

    /// <summary>Closes the log (only reached when a workload returns by itself).</summary>
    public void Dispose()
    {
        _log.Dispose();
        _stream.Dispose();
    }
}
