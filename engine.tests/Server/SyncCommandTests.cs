using System.Net;
using AimLsm.Query;
using AimLsm.Remote;
using AimLsm.Server;
using AimLsm.Tests.Testing;
using AimLsm.Tree;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AimLsm.Tests.Server;

/// <summary>
/// <c>aim-server sync REPO SERVER</c> end to end over HTTP: a Kestrel host on 127.0.0.1 (a free port) whose
/// <c>/api/tracking</c> takes a bearer token and hands the WebSocket to a <see cref="TrackingServer"/>, as a writable
/// aim-server does; the command connects with <see cref="System.Net.WebSockets.ClientWebSocket"/>.
/// </summary>
public sealed class SyncCommandTests : IAsyncDisposable
{
    private const string Token = "s3cret-token";

    private readonly TempDirectory _dir = new();
    private readonly Repo _remote;
    private readonly TrackingServer _tracking;
    private WebApplication? _app;

    public SyncCommandTests()
    {
        _remote = Repo.Open(_dir.Sub("server"));
        _tracking = new TrackingServer(_remote);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _tracking.Dispose();
        _remote.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Sync_copies_an_offline_repo_that_the_server_then_queries_like_any_other_and_prints_one_summary_line_when_piped()
    {
        string hash = TrackOffline();
        Uri address = await StartAsync();
        string tokenFile = _dir.Sub("token");
        await File.WriteAllTextAsync(tokenFile, Token + "\n");

        var output = new StringWriter();
        var errors = new StringWriter();
        int code = await SyncCommand.RunAsync(_dir.Sub("laptop"), address.ToString(), tokenFile, output, errors, showProgress: false, CancellationToken.None);
        Assert.True(code == 0, errors.ToString());
        string line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("aim-server sync: 1 runs synced, 0 unchanged, 0 refused; 100 points", line);

        _remote.Refresh();
        Run synced = Assert.Single(_remote.QueryRuns("run.hparams.lr == 0.1 and run.experiment == 'laptop'"));
        Assert.Equal(hash, synced.Hash);
        Assert.Single(_remote.QuerySequences("metric.name == 'loss' and metric.last_step == 99"));

        output.GetStringBuilder().Clear();
        Assert.Equal(0, await SyncCommand.RunAsync(_dir.Sub("laptop"), address.ToString(), tokenFile, output, errors, false, CancellationToken.None));
        Assert.Contains("0 runs synced, 1 unchanged, 0 refused; 0 points", output.ToString());
    }

    [Fact]
    public async Task On_a_terminal_a_progress_line_is_drawn_on_stderr_and_cleared_before_the_summary()
    {
        TrackOffline();
        Uri address = await StartAsync();
        string tokenFile = _dir.Sub("token");
        await File.WriteAllTextAsync(tokenFile, Token);
        var output = new StringWriter();
        var errors = new StringWriter();
        Assert.True(await SyncCommand.RunAsync(_dir.Sub("laptop"), address.ToString(), tokenFile, output, errors, showProgress: true, CancellationToken.None) == 0, errors.ToString());
        Assert.Matches(@"^\rsync: 1/1 runs, 100 points, 0\.0 MiB\r +\r$", errors.ToString());
        Assert.StartsWith("aim-server sync: 1 runs synced", output.ToString());
    }

    [Fact]
    public async Task A_wrong_token_is_refused_at_once_with_what_to_do()
    {
        TrackOffline();
        Uri address = await StartAsync();
        string tokenFile = _dir.Sub("token");
        await File.WriteAllTextAsync(tokenFile, "not-the-token");
        var errors = new StringWriter();
        int code = await SyncCommand.RunAsync(_dir.Sub("laptop"), address.ToString(), tokenFile, new StringWriter(), errors, false, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(10)); // no retries with backoff: the answer will not change
        Assert.Equal(1, code);
        Assert.Contains("refused the token (HTTP 401)", errors.ToString());
        Assert.Empty(_remote.Runs);
    }

    [Fact]
    public async Task Bad_arguments_exit_with_code_2()
    {
        var errors = new StringWriter();
        Assert.Equal(2, await SyncCommand.RunAsync(_dir.Sub("laptop"), "not a uri", null, new StringWriter(), errors, false, CancellationToken.None));
        Assert.Contains("not a server URI", errors.ToString());
        Assert.Equal(2, await SyncCommand.RunAsync(_dir.Sub("missing"), "http://127.0.0.1:1", null, new StringWriter(), errors, false, CancellationToken.None));
    }

    private string TrackOffline()
    {
        using Repo laptop = Repo.Open(_dir.Sub("laptop"));
        using Run run = laptop.CreateRun("laptop", "offline");
        run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.1 };
        for (long step = 0; step < 100; step++)
        {
            run.Track(1.0 / (step + 1), "loss", step);
        }

        return run.Hash;
    }

    /// <summary>A host on 127.0.0.1:0 serving /api/tracking to holders of <see cref="Token"/>.</summary>
    private async Task<Uri> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.UseWebSockets();
        _app.Map("/api/tracking", async context =>
        {
            if (context.Request.Headers.Authorization.ToString() != "Bearer " + Token)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            using System.Net.WebSockets.WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
            await _tracking.ServeAsync(socket, context.Connection.RemoteIpAddress + ":" + context.Connection.RemotePort, context.RequestAborted);
        });
        await _app.StartAsync();
        return new Uri(_app.Urls.First());
    }
}
