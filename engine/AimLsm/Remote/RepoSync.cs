using System.Net.WebSockets;
using AimLsm.Tree;

namespace AimLsm.Remote;

/// <summary>
/// Offline first, sync later (docs/aim-repo.md, "Offline runs"): copies the runs of a local repo into a tracking
/// server's repo over the tracking protocol (docs/format.md 15), blobs included. Runs keep their hashes and creation
/// times; a second sync sends only what changed (new runs, new points, changed props, tree or tags); a sync that
/// stopped anywhere (cancelled, the connection dropped, the process killed) resumes where the server's
/// acknowledgements got to, from the state kept in the local repo (<c>sync/DEST.json</c>, docs/format.md 15.5).
/// </summary>
public static class RepoSync
{
    /// <summary>How often, at most, the state file is rewritten while batches are acknowledged.</summary>
    private static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Copies the runs of <paramref name="repo"/> to the tracking server at <paramref name="server"/>
    /// (<c>http://host:port</c>, whose <c>/api/tracking</c> is used, or a <c>ws://</c> URI of the endpoint itself).
    /// Blocks until done; see <see cref="SyncToAsync"/>.
    /// </summary>
    /// <inheritdoc cref="SyncToAsync"/>
    public static SyncReport SyncTo(this Repo repo, Uri server, SyncOptions? options = null, IProgress<SyncProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        Task.Run(() => SyncToAsync(repo, server, options, progress, cancellationToken), cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// Copies the runs of <paramref name="repo"/> to the tracking server at <paramref name="server"/>. A run the server
    /// cannot take (it has that hash for a run created at another time, or another client is writing it) is reported
    /// in <see cref="SyncReport.Errors"/> and the others are synced. A dropped connection is opened again up to
    /// <see cref="SyncOptions.Reconnects"/> times; what was acknowledged is kept either way, and the next call resumes.
    /// </summary>
    /// <param name="repo">The local repo (read-only or writable; runs being written sync as far as they are committed).</param>
    /// <param name="server">The server: <c>http://host:port</c> or the endpoint's <c>ws://</c> URI.</param>
    /// <param name="options">The token, window, batch size and timeouts; null for the defaults.</param>
    /// <param name="progress">Told after every acknowledgement how far the sync got.</param>
    /// <param name="cancellationToken">Stops the sync; what the server acknowledged is recorded, the next sync resumes.</param>
    /// <returns>What was sent and what was refused.</returns>
    /// <exception cref="SyncException">The server could not be reached or kept failing; the message says what and where.</exception>
    /// <exception cref="TrackingProtocolException">The server refused the protocol itself (a malformed frame: a bug).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<SyncReport> SyncToAsync(this Repo repo, Uri server, SyncOptions? options = null,
        IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(server);
        options = (options ?? new SyncOptions()).Validated();
        Uri endpoint = SyncConnection.Endpoint(server);
        string? token = options.Token ?? Environment.GetEnvironmentVariable(SyncOptions.TokenVariable);
        string name = SyncState.NameFor(endpoint);
        using IDisposable held = repo.TryLockSyncFile(System.IO.Path.ChangeExtension(name, ".lock"))
            ?? throw new SyncException($"Another sync of '{repo.Path}' to {endpoint} is running (it holds {Repo.SyncFolder}/{System.IO.Path.ChangeExtension(name, ".lock")}).");
        SyncState state = SyncState.Load(repo, endpoint);
        var report = new SyncReport();
        var run = new SyncRun(repo, state, report, options, progress);
        try
        {
            await run.RunAsync(endpoint, token, cancellationToken).ConfigureAwait(false);
            return report;
        }
        finally
        {
            state.Save();
        }
    }

    /// <summary>The state of one call: the connection attempts, the batches in flight and what they will record.</summary>
    private sealed class SyncRun(Repo repo, SyncState state, SyncReport report, SyncOptions options, IProgress<SyncProgress>? progress)
    {
        private readonly HashSet<string> _finished = new(StringComparer.Ordinal);
        private readonly Queue<SyncBatch> _inFlight = new();
        private int _runsTotal = -1;
        private long _acked;
        private DateTime _lastSave = DateTime.UtcNow;

        public async Task RunAsync(Uri endpoint, string? token, CancellationToken cancellationToken)
        {
            int failures = 0;
            TrackingProtocolException? refused = null;
            while (true)
            {
                var planner = new SyncPlanner(repo, state, _finished, options.BatchBytes);
                if (_runsTotal < 0)
                {
                    _runsTotal = planner.Total;
                    report.RunsUnchanged = planner.Unchanged;
                    if (planner.Total == 0)
                    {
                        return; // nothing to send: no connection
                    }
                }
                else if (planner.Total == 0 && _inFlight.Count == 0 && refused is null)
                {
                    return;
                }

                SyncConnection? connection = null;
                try
                {
                    (connection, ulong applied) = await SyncConnection.OpenAsync(endpoint, token, state.Session, options, cancellationToken).ConfigureAwait(false);
                    Acknowledged(applied);
                    if (refused is not null)
                    {
                        // The server stops at the first batch it does not apply, so that is the one after the Welcome's.
                        if (_inFlight.TryPeek(out SyncBatch? culprit))
                        {
                            report.ErrorList.Add(new SyncRunError(culprit.Hash, refused.Code, refused.Message));
                            _finished.Add(culprit.Hash);
                        }

                        refused = null;
                        _inFlight.Clear();
                        continue; // plan again without that run
                    }

                    // Batches not acknowledged are built again from what was: their numbers follow the Welcome's.
                    _inFlight.Clear();
                    await SendAsync(planner, connection, applied, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (TrackingProtocolException e) when (e.Code is TrackingErrorCode.RunConflict or TrackingErrorCode.RunLocked
                    or TrackingErrorCode.InvalidOperation or TrackingErrorCode.RunNotFound or TrackingErrorCode.FrameTooLarge)
                {
                    // A run's fault: the connection is closed; the next Welcome says which batch it was.
                    refused = e;
                }
                catch (Exception e) when (e is WebSocketException or IOException or TimeoutException or HttpRequestException
                    || e is TrackingProtocolException { Code: TrackingErrorCode.ServerError or TrackingErrorCode.SessionBusy })
                {
                    if (++failures > options.Reconnects)
                    {
                        throw new SyncException(
                            $"Sync of '{repo.Path}' to {endpoint} stopped after {failures} failed attempts: {e.Message}. What the server acknowledged is recorded; the next sync resumes from there.", e);
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(200 << Math.Min(failures, 5)), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    // A run the planner refused (a point larger than a frame) is reported once and not planned again.
                    foreach (SyncRunError error in planner.Errors)
                    {
                        report.ErrorList.Add(error);
                        _finished.Add(error.Hash);
                    }

                    planner.Errors.Clear();
                    if (connection is not null)
                    {
                        await connection.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
        }

        /// <summary>Sends the planner's batches with up to <see cref="SyncOptions.Window"/> unacknowledged, until all are acknowledged.</summary>
        private async Task SendAsync(SyncPlanner planner, SyncConnection connection, ulong applied, CancellationToken cancellationToken)
        {
            ulong number = applied;
            bool planned = true;
            while (true)
            {
                while (planned && _inFlight.Count < options.Window)
                {
                    if (planner.Next(number + 1, connection.MaxFrameBytes) is not { } batch)
                    {
                        planned = false;
                        break;
                    }

                    await connection.SendAsync(batch.Frame, cancellationToken).ConfigureAwait(false);
                    number++;
                    _inFlight.Enqueue(batch);
                    report.Batches++;
                    report.Points += batch.Points;
                    report.Blobs += batch.Blobs;
                    report.Bytes += batch.Frame.Length;
                }

                if (_inFlight.Count == 0)
                {
                    return;
                }

                (FrameType type, ulong acked, _) = await connection.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                if (type != FrameType.Ack)
                {
                    throw new TrackingProtocolException(TrackingErrorCode.MalformedFrame, $"the server sent a {type} frame where an Ack was due");
                }

                Acknowledged(acked);
            }
        }

        /// <summary>Records what every batch up to <paramref name="number"/> delivered, and says so.</summary>
        private void Acknowledged(ulong number)
        {
            bool any = false;
            while (_inFlight.TryPeek(out SyncBatch? batch) && batch.Number <= number)
            {
                _inFlight.Dequeue();
                any = true;
                _acked++;
                if (!state.Runs.TryGetValue(batch.Hash, out SyncState.RunState? run))
                {
                    run = new SyncState.RunState();
                    state.Runs[batch.Hash] = run;
                }

                foreach ((string key, SyncState.SequenceState sequence) in batch.Progress)
                {
                    run.Sequences[key] = sequence;
                }

                if (batch.Tags is not null)
                {
                    run.Tags = batch.Tags;
                }

                if (batch.Completes)
                {
                    run.Meta = batch.Meta;
                    _finished.Add(batch.Hash);
                    report.Runs++;
                }
            }

            if (!any)
            {
                return;
            }

            progress?.Report(new SyncProgress(report.Runs, _runsTotal, _acked, report.Points, report.Bytes));
            if (DateTime.UtcNow - _lastSave >= SaveInterval)
            {
                state.Save();
                _lastSave = DateTime.UtcNow;
            }
        }
    }
}
