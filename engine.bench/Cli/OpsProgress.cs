using System.Diagnostics;
using AimLsm.Tools.Shared;

namespace AimLsm.Bench.Cli;

/// <summary>
/// Progress of a timed workload: workers add their finished operations in chunks (<see cref="Add"/>, one
/// interlocked add) and a timer draws "label: done/total pct units/s seconds" twice a second on the shared
/// <see cref="ConsoleProgress"/> line, so the measured threads never format or write. Silent when output is redirected
/// (<see cref="ConsoleProgress.IsTerminal"/>) or when <c>silent</c> (a warm-up).
/// </summary>
internal sealed class OpsProgress : IDisposable
{
    private readonly string _label;
    private readonly string _unit;
    private readonly long _total;
    private readonly ConsoleProgress _line = new();
    private Timer? _timer;
    private readonly long _start = Stopwatch.GetTimestamp();
    private long _done;

    public OpsProgress(string label, long total, bool silent = false, string unit = "ops")
    {
        _label = label;
        _unit = unit;
        _total = total;
        if (_line.Enabled && !silent)
        {
            _timer = new Timer(_ => Draw(), null, 0, 500); // drawn at once, then twice a second
        }
    }

    public void Add(long ops) => Interlocked.Add(ref _done, ops);

    private void Draw()
    {
        long done = Volatile.Read(ref _done);
        double seconds = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        double rate = seconds > 0 ? done / seconds : 0;
        string pct = _total > 0 ? $"{100.0 * done / _total,5:F1}%" : "";
        _line.Report($"  {_label}: {done:N0}/{_total:N0} {pct}  {rate:N0} {_unit}/s  {seconds:F0}s");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _timer, null) is { } timer)
        {
            // Waits for a draw in flight, so the line is cleared after it, never redrawn over what follows.
            using var stopped = new ManualResetEvent(false);
            timer.Dispose(stopped);
            stopped.WaitOne();
            _line.Clear();
        }
    }
}
