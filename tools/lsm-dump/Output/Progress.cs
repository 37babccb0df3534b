using System.Diagnostics;

namespace AimLsm.Tools.LsmDump.Output;

/// <summary>
/// Progress of long work (verify, scan) on stderr, rewritten in place at most ten times a second, only when stderr
/// is a terminal; silent when output is redirected or in tests. Cleared when the work ends.
/// </summary>
internal sealed class Progress(TextWriter stderr, bool enabled)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastMs = -1000;
    private int _lastWidth;

    public bool Enabled { get; } = enabled;

    /// <summary>Shows <paramref name="text"/> unless the last update was under 100 ms ago.</summary>
    public void Report(string text)
    {
        if (!Enabled || _clock.ElapsedMilliseconds - _lastMs < 100)
        {
            return;
        }
        _lastMs = _clock.ElapsedMilliseconds;
        stderr.Write("\r" + text.PadRight(_lastWidth));
        _lastWidth = text.Length;
        stderr.Flush();
    }

    public void Clear()
    {
        if (Enabled && _lastWidth > 0)
        {
            stderr.Write("\r" + new string(' ', _lastWidth) + "\r");
            stderr.Flush();
            _lastWidth = 0;
        }
    }
}
