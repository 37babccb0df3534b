using System.Net;
using AimLsm.Streaming;
using AimLsm.Tree;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AimLsm.Tests.Frontend;

/// <summary>
/// A server for the progressive-drawing test: the page's files come from the real aim-server, and its metric search
/// writes the first run's object, flushes, then holds the rest until <see cref="Release"/>: what the page draws
/// meanwhile is what it drew from the first chunk alone. Binds 127.0.0.1 on a free port.
/// </summary>
internal sealed class ThrottledServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ThrottledServer(WebApplication app, HttpClient upstream)
    {
        _app = app;
        _upstream = upstream;
    }

    public Uri Address { get; private set; } = null!;

    /// <summary>True once the first run object has been flushed.</summary>
    public TaskCompletionSource FirstSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets the held runs go.</summary>
    public void Release() => _gate.TrySetResult();

    public static async Task<ThrottledServer> StartAsync(PageFixture fixture, IReadOnlyList<string> hashes, string metric)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        var server = new ThrottledServer(app, new HttpClient { BaseAddress = fixture.Server.Address });
        app.MapGet("/", server.ProxyAsync);
        app.MapGet("/ui/{**path}", server.ProxyAsync);
        app.MapGet("/api/runs/search/metric", context => server.StreamAsync(context, fixture.Repo, hashes, metric));
        await app.StartAsync();
        server.Address = new Uri(app.Urls.First() + "/");
        return server;
    }

    private async Task ProxyAsync(HttpContext context)
    {
        using HttpResponseMessage upstream = await _upstream.GetAsync(context.Request.Path + context.Request.QueryString);
        context.Response.StatusCode = (int)upstream.StatusCode;
        context.Response.ContentType = upstream.Content.Headers.ContentType?.ToString();
        await context.Response.Body.WriteAsync(await upstream.Content.ReadAsByteArrayAsync());
    }

    private async Task StreamAsync(HttpContext context, Repo repo, IReadOnlyList<string> hashes, string metric)
    {
        context.Response.ContentType = "application/octet-stream";
        var writer = new AimStreamWriter(context.Response.BodyWriter, new StreamOptions { Density = 500 });
        for (int i = 0; i < hashes.Count; i++)
        {
            using Run run = repo.GetRun(hashes[i]);
            await writer.WriteRunAsync(run, run.Sequences.Where(s => s.Name == metric));
            await writer.WriteProgressAsync(i + 1, hashes.Count);
            await context.Response.BodyWriter.FlushAsync();
            if (i == 0)
            {
                FirstSent.TrySetResult();
                await _gate.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
