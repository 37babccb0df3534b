using System.Buffers.Binary;
using System.Net.WebSockets;

namespace AimLsm.Remote;

/// <summary>
/// A sync's one WebSocket to a tracking server (docs/format.md 15.1): Hello and Welcome, then Batch frames out and
/// Ack or Error frames in. One sender and one receiver, never concurrent with themselves; every wait has the sync's
/// timeout. An Error frame is raised as a <see cref="TrackingProtocolException"/> with the server's code and message.
/// </summary>
internal sealed class SyncConnection : IAsyncDisposable
{
    private readonly WebSocket _socket;
    private readonly TimeSpan _timeout;
    private byte[] _buffer = new byte[4096];

    private SyncConnection(WebSocket socket, TimeSpan timeout)
    {
        _socket = socket;
        _timeout = timeout;
    }

    /// <summary>The largest frame the server accepts (from its Welcome).</summary>
    public int MaxFrameBytes { get; private set; }

    /// <summary>The endpoint a server URI names: <c>http://host:port</c> becomes <c>ws://host:port/api/tracking</c>
    /// (https: wss); a ws or wss URI is taken as it is.</summary>
    public static Uri Endpoint(Uri server)
    {
        if (server.Scheme is "ws" or "wss")
        {
            return server;
        }

        if (server.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"'{server}' is not an http, https, ws or wss URI of a tracking server.", nameof(server));
        }

        var builder = new UriBuilder(server) { Scheme = server.Scheme == "https" ? "wss" : "ws" };
        builder.Path = builder.Path.TrimEnd('/') + "/api/tracking";
        return builder.Uri;
    }

    /// <summary>Connects, says Hello as <paramref name="session"/> and returns the connection with the Welcome's number:
    /// the last batch of the session the server has applied.</summary>
    public static async Task<(SyncConnection Connection, ulong Applied)> OpenAsync(Uri endpoint, string? token, Guid session,
        SyncOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        WebSocket socket;
        try
        {
            socket = await ConnectAsync(endpoint, token, options, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"connecting to {endpoint} took more than {options.Timeout.TotalSeconds:0} s");
        }

        var connection = new SyncConnection(socket, options.Timeout);
        try
        {
            byte[] who = System.Text.Encoding.UTF8.GetBytes(Truncate($"sync {Environment.MachineName} pid {Environment.ProcessId}"));
            byte[] hello = [.. session.ToByteArray(), (byte)who.Length, .. who];
            await connection.SendAsync(TrackingFrame.Build(FrameType.Hello, 0, hello), cancellationToken).ConfigureAwait(false);
            (FrameType type, ulong number, ReadOnlyMemory<byte> payload) = await connection.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            if (type != FrameType.Welcome || payload.Length != 4)
            {
                throw new TrackingProtocolException(TrackingErrorCode.MalformedFrame, $"the server answered Hello with a {type} frame of {payload.Length} bytes, not a Welcome");
            }

            connection.MaxFrameBytes = BinaryPrimitives.ReadInt32LittleEndian(payload.Span);
            return (connection, number);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens the WebSocket: <see cref="SyncOptions.Connect"/> in tests, else a <see cref="ClientWebSocket"/> with the token.</summary>
    private static async Task<WebSocket> ConnectAsync(Uri endpoint, string? token, SyncOptions options, CancellationToken cancellationToken)
    {
        if (options.Connect is { } connect)
        {
            return await connect(endpoint, cancellationToken).ConfigureAwait(false);
        }

        var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            client.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        try
        {
            await client.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException e) when (Refusal(client.HttpStatusCode, endpoint, token) is { } refusal)
        {
            // Trying again would not help: say what to change.
            client.Dispose();
            throw new SyncException(refusal, e);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        return client;
    }

    public async Task SendAsync(byte[] frame, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Binary, true, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"sending a frame to the server took more than {_timeout.TotalSeconds:0} s");
        }
    }

    /// <summary>The next frame (its payload valid until the next call).</summary>
    /// <exception cref="TrackingProtocolException">The server sent an Error frame, or a frame that does not parse.</exception>
    /// <exception cref="WebSocketException">The connection closed.</exception>
    /// <exception cref="TimeoutException">Nothing came within the timeout.</exception>
    public async Task<(FrameType Type, ulong Number, ReadOnlyMemory<byte> Payload)> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        int length = 0;
        try
        {
            while (true)
            {
                if (length == _buffer.Length)
                {
                    Array.Resize(ref _buffer, 2 * _buffer.Length);
                }

                ValueWebSocketReceiveResult result = await _socket.ReceiveAsync(_buffer.AsMemory(length), timeout.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the server closed the connection");
                }

                length += result.Count;
                if (result.EndOfMessage)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the server sent nothing for {_timeout.TotalSeconds:0} s");
        }

        ReadOnlySpan<byte> payload = TrackingFrame.Parse(_buffer.AsSpan(0, length), out FrameType type, out ulong number);
        if (type == FrameType.Error)
        {
            if (payload.Length < 2)
            {
                throw new TrackingProtocolException(TrackingErrorCode.MalformedFrame, "the server sent an Error frame without a code");
            }

            throw new TrackingProtocolException((TrackingErrorCode)BinaryPrimitives.ReadUInt16LittleEndian(payload),
                System.Text.Encoding.UTF8.GetString(payload[2..]));
        }

        return (type, number, _buffer.AsMemory(TrackingFrame.HeaderBytes, payload.Length));
    }

    /// <summary>Closes with a handshake when the connection is still open (bounded by the timeout), then releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "sync done", timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // Gone already: nothing to close.
        }
        finally
        {
            _socket.Dispose();
        }
    }

    /// <summary>Why the server turned the WebSocket upgrade down for good, or null for a failure worth retrying.</summary>
    private static string? Refusal(System.Net.HttpStatusCode status, Uri endpoint, string? token) => (int)status switch
    {
        401 or 403 => token is null
            ? $"{endpoint} wants a bearer token (HTTP {(int)status}): give it with --token-file, SyncOptions.Token or the {SyncOptions.TokenVariable} environment variable."
            : $"{endpoint} refused the token (HTTP {(int)status}): it is not the server's (aim-server prints its token at start, or reads it from --token-file or {SyncOptions.TokenVariable}).",
        404 => $"{endpoint} does not exist (HTTP 404): is the server started with --writable?",
        _ => null,
    };

    /// <summary>Hello's description holds at most 127 bytes (a one-byte LEB128 length).</summary>
    private static string Truncate(string who)
    {
        while (System.Text.Encoding.UTF8.GetByteCount(who) > 127)
        {
            who = who[..^1];
        }

        return who;
    }
}
