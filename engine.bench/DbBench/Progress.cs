namespace AimLsm.Bench.DbBench;

/// <summary>
/// A progress line on stderr ("\r" updates twice a second) while a workload runs, only when both stdout and stderr
/// are a terminal; silent when output is redirected. Workers add their finished operations in chunks.
/// </summary>
internal sealed class Progress : IDisposable
{
    private readonly string _label;
    private readonly long _total;
    private readonly Timer? _timer;
    private readonly long _start = System.Diagnostics.Stopwatch.GetTimestamp();
    private long _done;

    public Progress(string label, long total, bool silent = false)
    {
        _label = label;
        _total = total;
        if (Enabled && !silent)
        {
            _timer = new Timer(_ => Draw(), null, 500, 500);
        }
    }

    public static bool Enabled { get; } = !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    public void Add(long ops) => Interlocked.Add(ref _done, ops);

    private void Draw()
    {
        long done = Volatile.Read(ref _done);
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(_start).TotalSeconds;
        double rate = seconds > 0 ? done / seconds : 0;
        string pct = _total > 0 ? $"{100.0 * done / _total,5:F1}%" : "";
        Console.Error.Write($"\r  {_label}: {done:N0}/{_total:N0} {pct}  {rate:N0} ops/s  {seconds:F0}s   ");
    }

    public void Dispose()
    {
        if (_timer is not null)
        {
            _timer.Dispose();
            Console.Error.Write("\r" + new string(' ', 100) + "\r");
        }
    }
}
