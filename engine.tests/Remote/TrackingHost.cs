using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using AimLsm.Remote;
using AimLsm.Tree;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AimLsm.Tests.Remote;

/// <summary>
/// A minimal aim-server for the client's tests: Kestrel on 127.0.0.1 (a free port, or the port of an earlier host:
/// a restart), <c>/api/tracking</c> accepting WebSockets with a bearer-token check and handing them to a real
/// <see cref="TrackingServer"/> over a writable <see cref="Repo"/>. <see cref="DropAck"/> lets a test drop the
/// connection instead of sending an acknowledgement, <see cref="AckGate"/> hold acknowledgements back (a slow server).
/// </summary>
internal sealed class TrackingHost : IAsyncDisposable
{
    public const string Token = "test-token";

    private readonly WebApplication _app;
    private readonly TrackingServer _server;

    private TrackingHost(WebApplication app, Repo repo, TrackingServer server, int port)
    {
        _app = app;
        Repo = repo;
        _server = server;
        Port = port;
    }

    public Repo Repo { get; }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}/");

    /// <summary>Called before each Ack the server sends; true drops the connection instead (the batch stays applied).</summary>
    public Func<bool>? DropAck { get; set; }

    /// <summary>Set before a client connects: its Acks wait until this task completes (batches are still received and
    /// applied), as from a server whose disk is slow.</summary>
    public Task? AckGate { get; set; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => _connections;

    private int _connections;

    /// <summary>A port free now on 127.0.0.1, for a server that starts later.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static async Task<TrackingHost> StartAsync(string repoPath, int port = 0, TrackingServerOptions? options = null)
    {
        Repo repo = Repo.Open(repoPath);
        var server = new TrackingServer(repo, options);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        WebApplication app = builder.Build();
        app.UseWebSockets();
        TrackingHost? host = null;
        app.Map("/api/tracking", async context =>
        {
            if (context.Request.Headers.Authorization.ToString() != "Bearer " + Token)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            Interlocked.Increment(ref host!._connections);
            using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
            WebSocket served = host.DropAck is null && host.AckGate is null
                ? socket
                : new AckDroppingSocket(socket, () => host.DropAck?.Invoke() == true, host.AckGate);
            try
            {
                await server.ServeAsync(served, context.Connection.RemoteIpAddress + ":" + context.Connection.RemotePort, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The host stops.
            }
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            server.Dispose();
            repo.Dispose();
            throw;
        }

        int bound = new Uri(app.Urls.First()).Port;
        host = new TrackingHost(app, repo, server, bound);
        return host;
    }

    /// <summary>Stops serving and closes the repo, as a server that goes away (its clients see their connections drop).</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _server.Dispose();
        Repo.Dispose();
    }

    /// <summary>Drops the connection when asked to instead of sending an Ack frame; holds Acks until the gate opens.</summary>
    private sealed class AckDroppingSocket(WebSocket inner, Func<bool> drop, Task? gate) : WebSocket
    {
        public override WebSocketCloseStatus? CloseStatus => inner.CloseStatus;

        public override string? CloseStatusDescription => inner.CloseStatusDescription;

        public override WebSocketState State => inner.State;

        public override string? SubProtocol => inner.SubProtocol;

        public override void Abort() => inner.Abort();

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
            inner.CloseAsync(closeStatus, statusDescription, cancellationToken);

        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
            inner.CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

        public override void Dispose() => inner.Dispose();

        public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
            inner.ReceiveAsync(buffer, cancellationToken);

        public override ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
            inner.ReceiveAsync(buffer, cancellationToken);

        public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
            SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

        public override async ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        {
            bool ack = buffer.Length > 5 && buffer.Span[5] == (byte)FrameType.Ack; // the frame type is at offset 5 (docs/format.md 15.1)
            if (ack && gate is not null)
            {
                await gate.WaitAsync(cancellationToken);
            }

            if (ack && drop())
            {
                inner.Abort();
                throw new WebSocketException("the test dropped the connection instead of an Ack");
            }

            await inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);
        }
    }
}
