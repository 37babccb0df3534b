using Microsoft.Extensions.Logging;

namespace AimLsm.Server;

/// <summary>
/// The repo's logger in the command-line server: each warning or error the repo logs (what WAL recovery found in a
/// writer slot, at start and after each refresh) becomes a line <c>aim-server: ...</c> on the server's error stream.
/// Thread-safe (refreshes run on request threads).
/// </summary>
internal sealed class TextWriterLogger(TextWriter errors) : ILogger
{
    private readonly TextWriter _errors = TextWriter.Synchronized(errors);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            string level = logLevel >= LogLevel.Error ? "error" : "warning";
            _errors.WriteLine($"aim-server: {level}: {formatter(state, exception)}");
        }
    }
}
