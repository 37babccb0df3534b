using Microsoft.Extensions.Logging;

namespace AimLsm.Server;

/// <summary>
/// The logger of the command-line server: each warning or error the repo logs (what WAL recovery found in a writer
/// slot, at start and after each refresh), each refused request and each tracking connection refused or failed
/// becomes a line <c>aim-server: LEVEL: ...</c> on the server's error stream; with <c>--verbose</c>, information too
/// (tracking connections opened and closed). Thread-safe (refreshes and tracking run on request threads).
/// </summary>
internal sealed class TextWriterLogger(TextWriter errors, LogLevel minimum = LogLevel.Warning) : ILogger
{
    private readonly TextWriter _errors = TextWriter.Synchronized(errors);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            string level = logLevel >= LogLevel.Error ? "error" : logLevel == LogLevel.Warning ? "warning" : "info";
            _errors.WriteLine($"aim-server: {level}: {formatter(state, exception)}");
        }
    }
}
