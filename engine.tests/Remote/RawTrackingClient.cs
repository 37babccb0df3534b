using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using AimLsm.Remote;

namespace AimLsm.Tests.Remote;

/// <summary>
/// A test's side of one tracking connection to a <see cref="TrackingServer"/>: either without HTTP, two WebSockets
/// over a loopback TCP pair (127.0.0.1, a free port), the server's end served by <see cref="TrackingServer.ServeAsync"/>
/// (<see cref="ConnectAsync(TrackingServer)"/>); or a <see cref="ClientWebSocket"/> to a server's tracking URL, as a
/// remote client connects (<see cref="ConnectAsync(Uri, string?, X509Certificate2?)"/>). Frames go out as the test
/// builds them (valid or not); every receive has a timeout.
/// </summary>
internal sealed class RawTrackingClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly WebSocket _socket;
    private readonly TcpClient? _tcp;
    private readonly TcpClient? _serverTcp;

    private RawTrackingClient(WebSocket socket, TcpClient? tcp, TcpClient? serverTcp, Task serving)
    {
        _socket = socket;
        _tcp = tcp;
        _serverTcp = serverTcp;
        Serving = serving;
    }

    /// <summary>The server's ServeAsync for this connection.</summary>
    public Task Serving { get; }

    public static async Task<RawTrackingClient> ConnectAsync(TrackingServer server)
    {
        LoopbackConnection pair = await OpenAsync(server);
        return new RawTrackingClient(pair.Client, pair.Tcp, pair.ServerTcp, pair.Serving);
    }

    /// <summary>
    /// One loopback connection to <paramref name="server"/>: the client's WebSocket, and the server's end served by
    /// <see cref="TrackingServer.ServeAsync"/>. For tests that drive the protocol through other client code (a sync).
    /// </summary>
    public static async Task<LoopbackConnection> OpenAsync(TrackingServer server, CancellationToken cancellationToken = default)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var tcp = new TcpClient();
            Task<TcpClient> accept = listener.AcceptTcpClientAsync(cancellationToken).AsTask();
            await tcp.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, cancellationToken);
            TcpClient serverTcp = await accept.WaitAsync(Timeout, cancellationToken);
            WebSocket serverSocket = WebSocket.CreateFromStream(serverTcp.GetStream(), new WebSocketCreationOptions { IsServer = true });
            WebSocket clientSocket = WebSocket.CreateFromStream(tcp.GetStream(), new WebSocketCreationOptions { IsServer = false });
            Task serving = Task.Run(() => server.ServeAsync(serverSocket, "test-peer", CancellationToken.None), CancellationToken.None);
            return new LoopbackConnection(clientSocket, tcp, serverTcp, serving);
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>The frame version of the last frame received.</summary>
    public byte LastVersion { get; private set; }

    /// <summary>Says Hello as <paramref name="session"/> (in frame version <paramref name="version"/>) and returns the Welcome's number.</summary>
    public async Task<ulong> HelloAsync(Guid session, string who = "test pid 1", byte version = TrackingFrame.Version)
    {
        byte[] text = System.Text.Encoding.UTF8.GetBytes(who);
        byte[] payload = [.. session.ToByteArray(), (byte)text.Length, .. text];
        await SendAsync(TrackingFrame.Build(FrameType.Hello, 0, payload, version));
        (FrameType type, ulong number, byte[] welcome) = await ReceiveAsync();
        Assert.True(type == FrameType.Welcome, $"expected Welcome, got {type}: {Describe(type, welcome)}");
        Assert.Equal(4, welcome.Length);
        return number;
    }

    /// <summary>Connects to <paramref name="url"/> (<c>ws://</c> or <c>wss://</c>) with <paramref name="token"/> as the
    /// bearer token (none when null), trusting <paramref name="trust"/> as the server's certificate when given.</summary>
    /// <exception cref="WebSocketException">The server refused the upgrade; <see cref="RefusedStatusAsync"/> tells how.</exception>
    public static async Task<RawTrackingClient> ConnectAsync(Uri url, string? token, X509Certificate2? trust = null)
    {
        ClientWebSocket socket = NewSocket(token, trust);
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            await socket.ConnectAsync(url, timeout.Token);
            return new RawTrackingClient(socket, null, null, Task.CompletedTask);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Tries to connect to <paramref name="url"/> and expects a refusal: returns the HTTP status and the
    /// <c>WWW-Authenticate</c> header the server answered the upgrade with.</summary>
    public static async Task<(HttpStatusCode Status, string? Challenge)> RefusedStatusAsync(Uri url, string? token, X509Certificate2? trust = null)
    {
        using ClientWebSocket socket = NewSocket(token, trust);
        socket.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(Timeout);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(url, timeout.Token));
        string? challenge = socket.HttpResponseHeaders?.TryGetValue("WWW-Authenticate", out IEnumerable<string>? values) == true ? string.Join(", ", values) : null;
        return (socket.HttpStatusCode, challenge);
    }

    public Task SendAsync(byte[] frame) =>
        _socket.SendAsync(frame, WebSocketMessageType.Binary, true, CancellationToken.None).WaitAsync(Timeout);

    /// <summary>The next frame; fails the test on a timeout or a closed connection.</summary>
    public async Task<(FrameType Type, ulong Number, byte[] Payload)> ReceiveAsync()
    {
        var buffer = new byte[1 << 20];
        int length = 0;
        while (true)
        {
            ValueWebSocketReceiveResult result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).AsTask().WaitAsync(Timeout);
            Assert.True(result.MessageType == WebSocketMessageType.Binary, $"the server closed or sent {result.MessageType}");
            length += result.Count;
            if (result.EndOfMessage)
            {
                byte[] payload = TrackingFrame.Parse(buffer.AsSpan(0, length), out FrameType type, out ulong number, out byte version).ToArray();
                LastVersion = version;
                return (type, number, payload);
            }
        }
    }

    /// <summary>Waits for an Ack covering <paramref name="number"/> (acks are cumulative).</summary>
    public async Task AckedAsync(ulong number)
    {
        while (true)
        {
            (FrameType type, ulong acked, byte[] payload) = await ReceiveAsync();
            Assert.True(type == FrameType.Ack, $"expected Ack, got {type}: {Describe(type, payload)}");
            if (acked >= number)
            {
                return;
            }
        }
    }

    /// <summary>Sends a frame the server must refuse; returns the Error frame's code and message.</summary>
    public async Task<(TrackingErrorCode Code, string Message)> RefusedAsync(byte[] frame)
    {
        await SendAsync(frame);
        return await ErrorAsync();
    }

    /// <summary>Waits for the server's Error frame and returns its code and message.</summary>
    public async Task<(TrackingErrorCode Code, string Message)> ErrorAsync()
    {
        while (true)
        {
            (FrameType type, _, byte[] payload) = await ReceiveAsync();
            if (type == FrameType.Error)
            {
                return ((TrackingErrorCode)BinaryPrimitives.ReadUInt16LittleEndian(payload), System.Text.Encoding.UTF8.GetString(payload.AsSpan(2)));
            }
        }
    }

    /// <summary>Whether the server closed or dropped the connection: the next receive sees the end.</summary>
    public async Task<bool> EndedAsync()
    {
        try
        {
            ValueWebSocketReceiveResult result = await _socket.ReceiveAsync(new byte[1 << 16].AsMemory(), CancellationToken.None).AsTask().WaitAsync(Timeout);
            return result.MessageType == WebSocketMessageType.Close;
        }
        catch (WebSocketException)
        {
            return true;
        }
    }

    /// <summary>Drops the connection without a close handshake, as a killed client would.</summary>
    public async Task DropAsync()
    {
        if (_tcp is null)
        {
            _socket.Abort();
        }
        else
        {
            _tcp.Client.Close(0);
        }

        await Serving.WaitAsync(Timeout);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException or IOException)
        {
            // Closed by the server already.
        }

        await Serving.WaitAsync(Timeout);
        _socket.Dispose();
        _tcp?.Dispose();
        _serverTcp?.Dispose();
    }

    private static ClientWebSocket NewSocket(string? token, X509Certificate2? trust)
    {
        var socket = new ClientWebSocket();
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        if (trust is not null)
        {
            socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == trust.GetCertHashString();
        }

        return socket;
    }

    private static string Describe(FrameType type, byte[] payload) =>
        type == FrameType.Error ? $"{(TrackingErrorCode)BinaryPrimitives.ReadUInt16LittleEndian(payload)}: {System.Text.Encoding.UTF8.GetString(payload.AsSpan(2))}" : "";
}

/// <summary>A loopback connection to a tracking server: the client's socket, both TCP ends, and the server's serving task.</summary>
internal sealed record LoopbackConnection(WebSocket Client, TcpClient Tcp, TcpClient ServerTcp, Task Serving);
