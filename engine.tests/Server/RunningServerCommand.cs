using System.Diagnostics;
using System.Text.RegularExpressions;
using AimLsm.Server;

namespace AimLsm.Tests.Server;

/// <summary>
/// aim-server's command line running in-process (<see cref="ServerCommand.RunAsync(string[], TextWriter, TextWriter, Func{string, string?}, CancellationToken)"/>)
/// until the test stops it: started, its start line read, its output kept. Every wait is bounded.
/// </summary>
internal sealed partial class RunningServerCommand : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly CancellationTokenSource _stop = new();
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();
    private Task<int> _serving = Task.FromResult(0);

    private RunningServerCommand()
    {
    }

    /// <summary>The page's address from the start line (<c>http://127.0.0.1:PORT/</c>, or https).</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The tracking address from the start line, or null when it names none.</summary>
    public Uri? TrackingUrl { get; private set; }

    /// <summary>The first line printed.</summary>
    public string StartLine { get; private set; } = string.Empty;

    public string Stdout => _stdout.ToString();

    public string Stderr => _stderr.ToString();

    /// <summary>Runs the command with <paramref name="args"/> and <paramref name="environment"/> (none set by default)
    /// and returns once it printed its start line; fails the test if it exits first.</summary>
    public static async Task<RunningServerCommand> StartAsync(string[] args, Func<string, string?>? environment = null)
    {
        var command = new RunningServerCommand();
        command._serving = ServerCommand.RunAsync(args, TextWriter.Synchronized(command._stdout), TextWriter.Synchronized(command._stderr), environment ?? (_ => null), command._stop.Token);
        Match started = Match.Empty;
        for (var clock = Stopwatch.StartNew(); !started.Success && clock.Elapsed < Timeout; await Task.Delay(20))
        {
            Assert.False(command._serving.IsCompleted, $"the server exited: {command.Stderr}");
            started = ServingLine().Match(command.Stdout);
        }

        Assert.True(started.Success, $"no start line in: {command.Stdout}");
        command.StartLine = started.Value;
        command.Url = new Uri(started.Groups["url"].Value);
        command.TrackingUrl = started.Groups["tracking"].Success ? new Uri(started.Groups["tracking"].Value) : null;
        return command;
    }

    /// <summary>Stops the server as Ctrl+C does and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await _serving.WaitAsync(Timeout);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    [GeneratedRegex(@"serving (?<repo>\S+) on (?<url>https?://127\.0\.0\.1:\d+/)(, tracking at (?<tracking>wss?://[^\s,]+))?[^\n]*")]
    private static partial Regex ServingLine();
}
