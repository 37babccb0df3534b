using System.Net.WebSockets;
using AimLsm.Tree;
using Microsoft.Extensions.Logging;

namespace AimLsm.Remote;

/// <summary>
/// The server side of remote tracking (docs/aim-repo.md, "Many machines"): applies the batches that clients of
/// <c>RemoteRepo</c> send over one WebSocket each to a writable <see cref="Repo"/>, through the same tracking
/// path as <see cref="Run.Track(double, string, long?, long?, Context?)"/>, and acknowledges each batch once it is
/// durable. A host (aim-server) accepts the connection and authenticates it; this class speaks the frames of
/// docs/format.md section 15 on it. Thread-safe: one instance serves every connection of a repo.
/// </summary>
public sealed partial class TrackingServer : IDisposable
{
    private readonly Repo _repo;
    private readonly TrackingServerOptions _options;
    private readonly ILogger? _logger;

    /// <summary>Serves <paramref name="repo"/>, which must be writable.</summary>
    /// <exception cref="ArgumentException">The repo is read-only.</exception>
    public TrackingServer(Repo repo, TrackingServerOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(repo);
        if (repo.IsReadOnly)
        {
            throw new ArgumentException($"Remote tracking needs a writable repo; '{repo.Path}' is open read-only.", nameof(repo));
        }

        _options = options ?? new TrackingServerOptions();
        _options.Validate();
        _repo = repo;
        _logger = logger;
    }
}
