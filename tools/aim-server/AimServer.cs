using System.Diagnostics;
using System.Net;
using AimLsm.Query;
using AimLsm.Remote;
using AimLsm.Server.Endpoints;
using AimLsm.Server.Frontend;
using AimLsm.Server.Http;
using AimLsm.Tree;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AimLsm.Server;

/// <summary>
/// Aim's search API over HTTP for one <see cref="Tree.Repo"/> (docs/http-api.md): Kestrel from the shared framework,
/// bound to 127.0.0.1 by default, serving
/// <list type="bullet">
/// <item><c>GET /api/runs/search/run?q=...&amp;limit=...</c>: the matching runs, streamed;</item>
/// <item><c>GET /api/runs/search/metric?q=...&amp;p=500&amp;x_axis=step&amp;record_range=a:b</c>: the matching metrics,
/// sampled to <c>p</c> points, streamed run by run;</item>
/// <item><c>GET /api/runs/{hash}</c> (and Aim's <c>/api/runs/{hash}/info</c>): one run as JSON;</item>
/// <item><c>GET /api/tracking</c>, with <see cref="AimServerOptions.Tracking"/>: the WebSocket of remote tracking
/// clients, served by one <see cref="TrackingServer"/> the server owns.</item>
/// </list>
/// Streams are in the stream format (docs/format.md, section 14), chunked, one flush per run. A client that
/// disconnects stops its query and its writing at the next run or flush. Off loopback the server needs TLS and the
/// token on every request (<see cref="AccessPolicy"/>). The server does not own the repo: dispose the server first (it
/// disposes its tracking server, flushing the runs that holds), then the repo. Thread-safe.
/// </summary>
public sealed class AimServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TrackingServer? _tracking;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _refreshLock = new();
    private RefreshTimer? _refreshTimer;
    private long _lastRefresh;
    private int _disposed;

    private AimServer(Repo repo, AimServerOptions options, WebApplication app, TrackingServer? tracking)
    {
        Repo = repo;
        Options = options;
        _app = app;
        _tracking = tracking;
        _lastRefresh = Stopwatch.GetTimestamp();
    }

    /// <summary>Raised when a streamed search ends, on the thread that served it, after its response is complete.
    /// Handlers must be quick and must not throw.</summary>
    public event Action<StreamSummary>? StreamEnded;

    /// <summary>The repo served.</summary>
    public Repo Repo { get; }

    /// <summary>The options in force (do not change them while the server runs).</summary>
    public AimServerOptions Options { get; }

    /// <summary>The address the server listens on, with the port actually bound (say <c>http://127.0.0.1:43800/</c>).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Where remote tracking clients connect (<c>ws://127.0.0.1:43800/api/tracking</c>, <c>wss://</c> with
    /// TLS); null without <see cref="AimServerOptions.Tracking"/>.</summary>
    public Uri? TrackingAddress { get; private set; }

    /// <summary>Counters of the streamed searches.</summary>
    public AimServerStats Stats { get; } = new();

    /// <summary>Fires when the server stops; every stream observes it.</summary>
    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>The query options requests compile with.</summary>
    internal QueryOptions? QueryOptions => Options.QueryOptions;

    /// <summary>Starts serving <paramref name="repo"/> and returns once the port is bound.</summary>
    /// <param name="repo">The repo; a read-only one (<see cref="Tree.Repo.OpenReadOnly"/>) lets writers run beside the
    /// server and is refreshed to see them; a writable one (needed for tracking) sees its own writes and is never refreshed.</param>
    /// <param name="options">Address, limits, access and logging; null for the defaults (127.0.0.1:43800).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ArgumentException">The host is not an IP address or <c>localhost</c>; the address needs a
    /// certificate or a token the options lack; tracking is asked of a read-only repo or without a token.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="IOException">The address could not be bound (the port is in use, say).</exception>
    public static async Task<AimServer> StartAsync(Repo repo, AimServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repo);
        options ??= new AimServerOptions();
        IPAddress address = options.Validate();
        if (options.Tracking is not null && repo.IsReadOnly)
        {
            throw new ArgumentException($"Tracking (AimServerOptions.Tracking) needs a writable repo (Repo.Open); '{repo.Path}' is open read-only.", nameof(options));
        }

        if (options.QueryOptions is { } queryOptions)
        {
            // Compiling validates the options (QueryOptions.Validate is internal): fail here, not on each request.
            AimQuery.CompileRunQuery(string.Empty, queryOptions);
        }

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // No file watchers on appsettings.json: a process may run many servers (tests do).
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ApplicationName = typeof(AimServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        if (options.LogLevel != LogLevel.None)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.SetMinimumLevel(options.LogLevel);
        }

        // The embedding process owns Ctrl+C and SIGTERM, not the server.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // An 8 KiB AimQL query (QueryOptions.MaxQueryLength) can triple when percent-encoded.
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 96 * 1024;

            // HTTP/1.1: chunked responses, WebSocket upgrades, and no cleartext HTTP/2 to configure.
            kestrel.Listen(address, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                if (options.Certificate is { } certificate)
                {
                    listen.UseHttps(certificate);
                }
            });
        });

        WebApplication app = builder.Build();
        TrackingServer? tracking = options.Tracking is null ? null : new TrackingServer(repo, options.Tracking, options.Logger);
        var server = new AimServer(repo, options, app, tracking);
        server.Map(address);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            tracking?.Dispose();
            server._stopping.Dispose();
            throw;
        }

        server._refreshTimer = new RefreshTimer(server);
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        if (tracking is not null)
        {
            server.TrackingAddress = new UriBuilder(server.Address)
            {
                Scheme = server.Address.Scheme == Uri.UriSchemeHttps ? Uri.UriSchemeWss : Uri.UriSchemeWs,
                Path = AccessCheck.TrackingPath,
            }.Uri;
        }

        return server;
    }

    /// <summary>Stops: cancels every stream and tracking connection in flight (their clients see the connection end;
    /// tracking clients resume with the next server), waits for requests to finish up to
    /// <see cref="AimServerOptions.ShutdownTimeout"/>, releases the port, then disposes the tracking server, which
    /// flushes the runs it holds. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _refreshTimer?.Dispose();
        await _stopping.CancelAsync();
        try
        {
            using var timeout = new CancellationTokenSource(Options.ShutdownTimeout);
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();

            // After the app: no connection is applying a batch any more. Before the repo, which the caller disposes next.
            _tracking?.Dispose();
            _stopping.Dispose();
        }
    }

    /// <summary>
    /// Catches a read-only repo up with its writers when the last refresh is older than
    /// <see cref="AimServerOptions.RefreshInterval"/>. Streams in flight keep reading what they started with.
    /// </summary>
    internal void RefreshIfDue()
    {
        TimeSpan interval = Options.RefreshInterval;
        if (!Repo.IsReadOnly || interval == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        lock (_refreshLock)
        {
            if (interval > TimeSpan.Zero && Stopwatch.GetElapsedTime(_lastRefresh, now) < interval)
            {
                return;
            }

            _lastRefresh = now;
        }

        Repo.Refresh();
    }

    /// <summary>Counts a stream that ended and tells <see cref="StreamEnded"/>.</summary>
    internal void OnStreamEnded(StreamSummary summary)
    {
        Stats.Ended(summary);
        StreamEnded?.Invoke(summary);
    }

    private void Map(IPAddress bound)
    {
        var hosts = HostCheck.Create(Options.AllowedHosts, bound);
        _app.Use(async (context, next) =>
        {
            if (!hosts.Allows(context.Request.Host))
            {
                await JsonResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, "InvalidHost", json =>
                {
                    json.WriteString("host", context.Request.Host.Value);
                    json.WriteString("error", "this server answers only requests addressed to it by a loopback name (AimServerOptions.AllowedHosts).");
                });
                return;
            }

            await next(context);
        });

        var access = new AccessCheck(Options.Token is { } token ? new BearerToken(token) : null, Options.ReadsNeedToken, _tracking is not null, Options.Logger);
        _app.Use(access.InvokeAsync);

        // Pings every 15 s; a client that answers none for 30 s is gone (its session's runs go on hold), even when the
        // network dropped it without a FIN.
        _app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15), KeepAliveTimeout = TimeSpan.FromSeconds(30) });
        _app.MapGet(AccessCheck.TrackingPath, (RequestDelegate)new TrackingEndpoint(this, _tracking).ServeAsync);

        var search = new SearchEndpoints(this);
        var runs = new RunEndpoints(this);
        _app.MapGet("/api/runs/search/run", (RequestDelegate)search.RunSearchAsync);
        _app.MapGet("/api/runs/search/metric", (RequestDelegate)search.MetricSearchAsync);
        _app.MapGet("/api/runs/search/points", (RequestDelegate)new PointsEndpoint(this).PointsAsync);
        _app.MapGet("/api/runs/{hash}", (RequestDelegate)runs.RunInfoAsync);
        _app.MapGet("/api/runs/{hash}/info", (RequestDelegate)runs.RunInfoAsync);
        _app.MapGet("/api/projects/params", (RequestDelegate)new ProjectEndpoints(this).ParamsAsync);
        var page = StaticAssets.Load(typeof(AimServer).Assembly);
        _app.MapMethods("/", StaticAssets.Methods, (RequestDelegate)page.IndexAsync);
        _app.MapMethods("/ui/{**path}", StaticAssets.Methods, (RequestDelegate)page.FileAsync);
        _app.MapFallback((RequestDelegate)RunEndpoints.NotFoundAsync);
    }

    /// <summary>A host lifetime that leaves signals alone: the embedding process decides when to stop.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
