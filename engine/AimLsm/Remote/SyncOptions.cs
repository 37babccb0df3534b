using System.Net.WebSockets;

namespace AimLsm.Remote;

/// <summary>How <see cref="RepoSync.SyncTo"/> talks to the server (docs/aim-repo.md, "Offline runs").</summary>
public sealed class SyncOptions
{
    /// <summary>The environment variable read for the bearer token when <see cref="Token"/> is null.</summary>
    public const string TokenVariable = "AIMLSM_TOKEN";

    /// <summary>The server's bearer token (sent as <c>Authorization: Bearer TOKEN</c>); null reads
    /// <see cref="TokenVariable"/>, and none at all sends no header.</summary>
    public string? Token { get; set; }

    /// <summary>How many batches may wait for their acknowledgement at once (default 8): enough to keep a link with
    /// some latency busy, few enough that a dropped connection resends little.</summary>
    public int Window { get; set; } = 8;

    /// <summary>The size a batch is closed at, in bytes (default 1 MiB); never more than the server's frame limit.</summary>
    public int BatchBytes { get; set; } = 1 << 20;

    /// <summary>How long to wait for a connection, a Welcome or the next acknowledgement before the attempt counts
    /// as failed (default 60 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many times a connection that dropped is opened again within one sync before it gives up
    /// (default 3); the next sync resumes where it stopped either way.</summary>
    public int Reconnects { get; set; } = 3;

    /// <summary>For tests: opens the WebSocket instead of <see cref="ClientWebSocket"/> (a loopback pair).</summary>
    internal Func<Uri, CancellationToken, Task<WebSocket>>? Connect { get; set; }

    internal SyncOptions Validated()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Window, 1, nameof(Window));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchBytes, 4096, nameof(BatchBytes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(Timeout));
        ArgumentOutOfRangeException.ThrowIfNegative(Reconnects, nameof(Reconnects));
        return this;
    }
}
