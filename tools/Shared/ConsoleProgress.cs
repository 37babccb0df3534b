using System.Diagnostics;

namespace AimLsm.Tools.Shared;

/// <summary>
/// One progress line on stderr for a long command, rewritten in place ("\r") at most ten times a second, and cleared
/// when the work ends. It draws only when both stdout and stderr are a terminal (<see cref="IsTerminal"/>): piped or
/// redirected output, a log file, a test, gets not one progress character.
/// <para>
/// Shared by lsm-dump and engine.bench as a linked source file (tools/Shared/), not as an assembly: each tool stays
/// one self-contained program, and lsm-dump's tool package needs no further package or dll for forty lines.
/// Thread-safe: a timer thread may report while the worker clears.
/// </para>
/// </summary>
internal sealed class ConsoleProgress(TextWriter stderr, bool enabled)
{
    private static readonly long s_minTicks = Stopwatch.Frequency / 10;
    private readonly Lock _lock = new();
    private long _last = long.MinValue / 2;
    private int _lastWidth;

    /// <summary>A progress line on the console, drawn when <see cref="IsTerminal"/>.</summary>
    public ConsoleProgress()
        : this(Console.Error, IsTerminal)
    {
    }

    /// <summary>Whether stdout and stderr are both a terminal: a progress line would reach a person, and nothing of
    /// it a pipe or a file.</summary>
    public static bool IsTerminal => !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    /// <summary>Whether this line draws at all.</summary>
    public bool Enabled { get; } = enabled;

    /// <summary>Shows <paramref name="text"/> unless the last update was under 100 ms ago.</summary>
    public void Report(string text)
    {
        if (!Enabled)
        {
            return;
        }
        lock (_lock)
        {
            long now = Stopwatch.GetTimestamp();
            if (now - _last < s_minTicks)
            {
                return;
            }
            _last = now;
            stderr.Write("\r" + text.PadRight(_lastWidth));
            _lastWidth = text.Length;
            stderr.Flush();
        }
    }

    /// <summary>Blanks the line, so what is printed next starts on a clean one.</summary>
    public void Clear()
    {
        if (!Enabled)
        {
            return;
        }
        lock (_lock)
        {
            if (_lastWidth > 0)
            {
                stderr.Write("\r" + new string(' ', _lastWidth) + "\r");
                stderr.Flush();
                _lastWidth = 0;
            }
        }
    }
}
