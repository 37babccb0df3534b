using System.Net.WebSockets;

namespace AimLsm.Remote;

public sealed partial class TrackingServer
{
    /// <summary>
    /// Serves one client connection until it closes: reads its frames, applies its batches, sends acknowledgements.
    /// A client's fault (a malformed or oversized frame, a run another session holds) closes this connection with an
    /// error frame and a log line; other connections are unaffected.
    /// </summary>
    /// <param name="socket">An open WebSocket the host accepted and authenticated.</param>
    /// <param name="peer">Who is at the other end (address and port), for log lines and error messages.</param>
    /// <param name="cancellationToken">Stops serving (the host is shutting down).</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task ServeAsync(WebSocket socket, string peer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        throw new NotSupportedException("remote tracking is being written (issue 18)");
    }

    /// <summary>Releases the runs every session holds.</summary>
    public void Dispose()
    {
    }
}
