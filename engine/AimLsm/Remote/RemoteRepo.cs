using System.Diagnostics;
using System.Security.Cryptography;
using AimLsm.Tree;
using AimLsm.Tree.Storage;
using Microsoft.Extensions.Logging;

namespace AimLsm.Remote;

/// <summary>
/// A repo served by aim-server, tracked into over the network with the same API as a local <see cref="Repo"/>
/// (<see cref="IRepo"/>, <see cref="IRun"/>; docs/aim-repo.md, "Many machines"). One WebSocket per instance carries
/// every run's operations to <c>ws(s)://host:port/api/tracking</c>, in numbered batches (docs/format.md 15).
/// <para>
/// <c>Track</c> never waits on the network: it checks and encodes in the caller's thread (the same errors as a local
/// run, thrown there), then appends a struct to a bounded in-memory queue. A background sender thread builds batches
/// (sealed by <see cref="RemoteRepoOptions.BatchOperations"/>, <see cref="RemoteRepoOptions.BatchBytes"/> or
/// <see cref="RemoteRepoOptions.BatchDelay"/>), numbers them 1, 2, 3, ... in this instance's session, and keeps each
/// until the server acknowledges it durable: in memory while the server is connected (up to
/// <see cref="RemoteRepoOptions.MemoryBytes"/>; <see cref="RemoteRepoOptions.Window"/> of them sent without waiting for
/// each answer), the rest, and those sealed while the server is away, in a local spool (an AimLsm.Kv database,
/// <see cref="RemoteRepoOptions.SpoolPath"/>).
/// A dropped connection is not an error: the client reconnects with backoff (100 ms doubling to 5 s) and resends
/// what the server has not applied, so nothing acknowledged is lost and nothing is applied twice.
/// </para>
/// <para>
/// A batch the server refuses (a run held by another session, a run that does not exist, an operation the repo
/// refuses, a malformed or oversized frame) is not resent forever: it is replaced by an empty batch of the same
/// number, so the session's numbering goes on, and each run it named throws a <see cref="TrackingProtocolException"/>
/// from its next <c>Track</c>, <c>Flush</c> and <c>Dispose</c>; <see cref="Flush"/> throws it once too. The other
/// runs' later batches go on.
/// </para>
/// Thread-safe. Dispose it: it closes its open runs, flushes (at most <see cref="RemoteRepoOptions.FlushTimeout"/>)
/// and closes the connection.
/// </summary>
public sealed partial class RemoteRepo : IRepo
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly RemoteRepoOptions _options;
    private readonly ILogger? _logger;
    private readonly Uri _endpoint;
    private readonly OpQueue _queue;
    private readonly Dictionary<string, RemoteRun> _runs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstWelcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _sender;
    private Task? _connection;
    private int _disposed;

    private RemoteRepo(Uri server, RemoteRepoOptions options)
    {
        _options = options;
        _logger = options.Logger;
        Server = server;
        _endpoint = TrackingEndpoint(server);
        Session = Guid.NewGuid();
        SpoolFolder = Path.Combine(options.SpoolPath!, "aimlsm-spool-" + Session.ToString("N"));
        _queue = new OpQueue(options.QueueCapacity);
        _queue.Full += OnQueueFull;
        _downSince = DateTime.UtcNow;
    }

    /// <summary>The server this repo tracks into, as given to <see cref="Connect"/>.</summary>
    public Uri Server { get; }

    /// <summary>This instance's session id: its batches are numbered within it, and the server remembers the last one
    /// it applied under it (docs/format.md 15.3).</summary>
    public Guid Session { get; }

    /// <summary>Where this instance spools batches while the server is away (created at the first one).</summary>
    public string SpoolFolder { get; }

    /// <summary>Whether the connection to the server is up now (it drops and comes back by itself).</summary>
    public bool IsConnected
    {
        get
        {
            lock (_state)
            {
                return _connected;
            }
        }
    }

    internal bool IsClosing { get; private set; }

    /// <summary>
    /// Starts tracking into the aim-server at <paramref name="uri"/> (<c>http(s)://host:port</c>; its tracking endpoint
    /// is <c>ws(s)://host:port/api/tracking</c>), sending <c>Authorization: Bearer TOKEN</c> from
    /// <see cref="RemoteRepoOptions.Token"/> or the environment variable <c>AIMLSM_TOKEN</c>.
    /// <para>
    /// Returns at once and connects in the background: a server that is down is an offline start, not an error (runs
    /// are created and tracked, batches go to the spool and are sent when the server is there). With
    /// <see cref="RemoteRepoOptions.RequireServer"/>, it waits up to <see cref="RemoteRepoOptions.FlushTimeout"/> for the
    /// server's first answer instead, and throws when none comes.
    /// </para>
    /// </summary>
    /// <exception cref="ArgumentException">The URI is not absolute http, https, ws or wss.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="TimeoutException">With <see cref="RemoteRepoOptions.RequireServer"/>: the server did not answer in time.</exception>
    public static RemoteRepo Connect(Uri uri, RemoteRepoOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        RemoteRepoOptions validated = (options ?? new RemoteRepoOptions()).Validated();
        var repo = new RemoteRepo(uri, validated);
        repo.Start();
        if (validated.RequireServer && !repo._firstWelcome.Task.Wait(validated.FlushTimeout))
        {
            string reason;
            lock (repo._state)
            {
                reason = repo._lastFailure ?? "no answer";
            }

            repo.Dispose();
            throw new TimeoutException($"The aim-server at {repo._endpoint} did not answer within {validated.FlushTimeout.TotalSeconds:0.#} s ({reason}); RemoteRepoOptions.RequireServer is set.");
        }

        return repo;
    }

    /// <summary>
    /// Creates a run: its hash and creation time are decided here (docs/format.md 15.2), so it is usable at once,
    /// offline too; the server creates it when the batch arrives.
    /// </summary>
    /// <exception cref="ArgumentException">An empty tag.</exception>
    /// <exception cref="ObjectDisposedException">The repo is disposed.</exception>
    public RemoteRun CreateRun(string? experiment = null, string? name = null, IEnumerable<string>? tags = null, string? description = null)
    {
        List<string> tagList = [];
        foreach (string tag in tags ?? [])
        {
            ArgumentException.ThrowIfNullOrEmpty(tag, nameof(tags));
            if (!tagList.Contains(tag))
            {
                tagList.Add(tag);
            }
        }

        string hash = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        double createdAt = RunProps.Now();
        string exp = experiment ?? Run.DefaultExperiment;
        var run = new RemoteRun(this, hash, created: true, createdAt, exp, name, description, tagList);
        Register(run);
        string[] sent = [.. tagList];
        run.Start(b => b.CreateRun(hash, createdAt, exp, name, description, sent));
        return run;
    }

    /// <summary>
    /// Resumes a run of the server's repo for tracking. It reads the run from the server first (its props, tags and
    /// every sequence's dtype and last step), so that a point tracked without a step continues after the sequence's
    /// last one, as in a local resumed run; that read needs the server. Another session holding the run makes the
    /// run's next <c>Track</c>, <c>Flush</c> or <c>Dispose</c> throw a <see cref="TrackingProtocolException"/> (code
    /// <see cref="TrackingErrorCode.RunLocked"/>, naming the holder).
    /// </summary>
    /// <exception cref="ArgumentException">Not a run hash (24 lowercase hex characters).</exception>
    /// <exception cref="RunNotFoundException">The server's repo has no such run.</exception>
    /// <exception cref="RepoException">The server cannot be read; the message names its URL.</exception>
    /// <exception cref="InvalidOperationException">This repo has the run open already.</exception>
    public RemoteRun OpenRun(string hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (hash.Length != 24 || !hash.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"'{hash}' is not a run hash (24 lowercase hex characters).", nameof(hash));
        }

        // A resumed run continues each sequence after its last step, and knows its props and tags: only the server
        // knows them, so resuming needs it (creating a run does not).
        IRunInfo held;
        try
        {
            held = GetRun(hash);
        }
        catch (RepoException e) when (e is not RunNotFoundException)
        {
            throw new RepoException($"Run '{hash}' cannot be resumed while the aim-server at {Server} cannot be read: a resumed run continues each sequence after its last step, which only the server knows. {e.Message}", e);
        }

        var resumed = new Dictionary<(long ContextId, string Name), SequenceInfo>();
        foreach (SequenceInfo sequence in held.Sequences)
        {
            resumed[(sequence.Context.Freeze().Id, sequence.Name)] = sequence;
        }

        double createdAt = (held.CreatedAt - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;
        var run = new RemoteRun(this, hash, created: true, createdAt, held.Experiment, held.Name, held.Description, [.. held.Tags])
        {
            Resumed = resumed,
        };
        Register(run);
        run.Start(b => b.OpenRun(hash));
        return run;
    }

    IRun IRepo.CreateRun(string? experiment, string? name, IEnumerable<string>? tags, string? description) =>
        CreateRun(experiment, name, tags, description);

    IRun IRepo.OpenRun(string hash) => OpenRun(hash);

    /// <summary>
    /// Blocks until everything tracked before it, in every run, is acknowledged durable by the server. While the
    /// server is away it waits up to <see cref="RemoteRepoOptions.FlushTimeout"/>, then throws; nothing is dropped.
    /// </summary>
    /// <exception cref="TimeoutException">Not acknowledged in time: the message says since when the server is away,
    /// how many batches and points wait, and where the spool is.</exception>
    /// <exception cref="TrackingProtocolException">The server refused a batch that no run's call reported yet (once).</exception>
    public void Flush()
    {
        FlushQueued();
        ThrowUnreported();
    }

    /// <summary>Closes every open run (their end time recorded), flushes at most <see cref="RemoteRepoOptions.FlushTimeout"/>,
    /// and closes the connection. The spool folder is deleted when nothing is left in it.</summary>
    /// <exception cref="TimeoutException">The server did not acknowledge everything in time: what was not
    /// acknowledged is lost with this process, and the message says how much and where the spool is (kept).</exception>
    /// <exception cref="TrackingProtocolException">The server refused a batch that no run's call reported yet.</exception>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        RemoteRun[] open;
        lock (_state)
        {
            open = [.. _runs.Values];
        }

        foreach (RemoteRun run in open)
        {
            run.CloseQueued();
        }

        Exception? failure = null;
        try
        {
            FlushQueued();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failure = e; // thrown once the threads are stopped and the spool closed
        }
        finally
        {
            IsClosing = true;
            Stop();
            DisposeReader();
        }

        if (failure is not null)
        {
            throw failure;
        }

        ThrowUnreported();
    }

    /// <inheritdoc/>
    public override string ToString() => $"RemoteRepo {_endpoint} (session {Session:N})";

    /// <summary>Unix microseconds now: a point's time, taken by <c>Track</c>.</summary>
    internal static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>Queues an operation (blocking while the queue is full).</summary>
    internal void Enqueue(in PendingOp op) => _queue.Add(op);

    internal void Forget(RemoteRun run)
    {
        lock (_state)
        {
            _runs.Remove(run.Hash);
        }
    }

    /// <summary>Throws a failure of the whole repo: the server's repo lost batches it had acknowledged, or the
    /// server refuses this client's token.</summary>
    internal void ThrowIfBroken()
    {
        if (_broken is { } broken)
        {
            throw broken;
        }
    }

    /// <summary>Queues a flush and waits until the sender says it is acknowledged, at most the flush timeout.</summary>
    internal void FlushQueued()
    {
        ThrowIfBroken();
        ObjectDisposedException.ThrowIf(IsClosing, this);
        var request = new FlushRequest();
        long started = Stopwatch.GetTimestamp();
        _queue.Add(new PendingOp(PendingKind.Flush, null, 0, 0, 0, 0, request));
        bool done;
        try
        {
            done = request.Done.Task.Wait(_options.FlushTimeout);
        }
        catch (AggregateException e) when (e.InnerException is { } inner)
        {
            throw inner is RepoException or ObjectDisposedException ? inner : new RepoException($"Flushing {this} failed: {inner.Message}", inner);
        }

        if (!done)
        {
            throw new TimeoutException(Waiting($"Flush waited {Stopwatch.GetElapsedTime(started).TotalSeconds:0.#} s (RemoteRepoOptions.FlushTimeout) in vain"));
        }

        ThrowIfBroken();
    }

    private void Register(RemoteRun run)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        lock (_state)
        {
            if (!_runs.TryAdd(run.Hash, run))
            {
                throw new InvalidOperationException($"Run '{run.Hash}' is open in this RemoteRepo already; dispose it before opening it again.");
            }
        }
    }

    private void Start()
    {
        _sender = new Thread(SenderLoop) { IsBackground = true, Name = "AimLsm remote sender" };
        _sender.Start();
        _connection = Task.Run(ConnectionLoopAsync);
    }

    private void Stop()
    {
        _queue.Close();
        _stopping.Cancel();
        _room.Release();
        if (_sender is { } sender && !sender.Join(TimeSpan.FromSeconds(10)))
        {
            _logger?.LogError("remote tracking: the sender thread of {Repo} did not stop within 10 s", this);
        }

        try
        {
            _connection?.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException e)
        {
            _logger?.LogError(e.InnerException, "remote tracking: the connection of {Repo} failed", this);
        }

        CloseSpool();
        _stopping.Dispose();
    }

    private static Uri TrackingEndpoint(Uri uri)
    {
        if (!uri.IsAbsoluteUri || uri.Scheme is not ("http" or "https" or "ws" or "wss"))
        {
            throw new ArgumentException($"'{uri}' is not the address of an aim-server: an absolute http://host:port or https://host:port is expected.", nameof(uri));
        }

        var builder = new UriBuilder(uri)
        {
            Scheme = uri.Scheme is "https" or "wss" ? "wss" : "ws",
            Path = uri.AbsolutePath.TrimEnd('/') + "/api/tracking",
            Query = "",
            Fragment = "",
        };
        return builder.Uri;
    }
}
