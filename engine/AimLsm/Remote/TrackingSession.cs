using AimLsm.Tree;

namespace AimLsm.Remote;

/// <summary>
/// A client process's session on a <see cref="TrackingServer"/>: its id (the client keeps it across reconnects), the
/// runs it holds, and how far its batches got. Fields are guarded by the server's lock, except <see cref="Runs"/>
/// and the batch numbers, which only the session's one connection touches while it is connected.
/// </summary>
internal sealed class TrackingSession(Guid id)
{
    public Guid Id { get; } = id;

    /// <summary>"host pid N" from the client's Hello, and its address: for messages and logs.</summary>
    public string Who { get; set; } = "";

    /// <summary>Whether a connection of this session is open (a second one is refused).</summary>
    public bool Connected { get; set; }

    /// <summary>When the last connection closed; the session's runs stay held until the hold time has passed.</summary>
    public DateTime DisconnectedAt { get; set; }

    /// <summary>The runs the session holds, by hash.</summary>
    public Dictionary<string, Run> Runs { get; } = new(StringComparer.Ordinal);

    /// <summary>The last batch applied (queued to the tracker, its other writes done).</summary>
    public ulong Applied { get; set; }

    /// <summary>The last batch whose marker is durable.</summary>
    public ulong Durable { get; set; }

    /// <summary>The commit of the last batch applied: a reconnect waits for it before it says how far the session got.</summary>
    public Task LastCommit { get; set; } = Task.CompletedTask;

    public override string ToString() => $"session {Id:N} ({Who})";
}
