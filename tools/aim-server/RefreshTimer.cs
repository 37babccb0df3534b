namespace AimLsm.Server;

/// <summary>
/// Refreshes a read-only repo every <see cref="AimServerOptions.RefreshInterval"/> even when no request comes, so
/// that the page's live view (which polls) and the first request after a pause see what writers added, without
/// paying for the refresh themselves. Requests still refresh when theirs is due (<see cref="AimServer.RefreshIfDue"/>),
/// which is what reports a refresh error to a client: an error here is left for that request to meet.
/// Dispose stops it; a callback in progress finishes.
/// </summary>
internal sealed class RefreshTimer : IDisposable
{
    private readonly Timer? _timer;

    /// <summary>Starts refreshing <paramref name="server"/>'s repo, if it is read-only and has a finite, positive interval.</summary>
    public RefreshTimer(AimServer server)
    {
        TimeSpan interval = server.Options.RefreshInterval;
        if (server.Repo.IsReadOnly && interval > TimeSpan.Zero)
        {
            _timer = new Timer(Tick, server, interval, interval);
        }
    }

    public void Dispose() => _timer?.Dispose();

    private static void Tick(object? state)
    {
        try
        {
            ((AimServer)state!).RefreshIfDue();
        }
        catch (Exception)
        {
            // A timer callback that throws ends the process. The next request refreshes again and answers this error.
        }
    }
}
