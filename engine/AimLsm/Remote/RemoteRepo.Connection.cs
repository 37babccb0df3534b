using System.Buffers.Binary;
using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace AimLsm.Remote;

public sealed partial class RemoteRepo
{
    /// <summary>How long connecting, the Hello and the Welcome may take before the attempt counts as failed.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The largest frame the server sends (Welcome, Ack, Error): an Error's message is the longest.</summary>
    private const int MaxServerFrame = 1 << 20;

    private readonly SemaphoreSlim _sendSignal = new(0);

    /// <summary>
    /// Connects, says Hello, sends and resends, takes acknowledgements; on any loss waits (100 ms doubling to 5 s,
    /// back to 100 ms after a Welcome) and connects again, until the repo stops.
    /// </summary>
    private async Task ConnectionLoopAsync()
    {
        TimeSpan backoff = MinBackoff;
        byte[] buffer = new byte[4096];
        while (!_stopping.IsCancellationRequested)
        {
            using var socket = new ClientWebSocket();
            string? reason = null;
            bool welcomed = false;
            try
            {
                if (_options.Token is { Length: > 0 } token)
                {
                    socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
                }

                socket.Options.CollectHttpResponseDetails = true;
                socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
                {
                    timeout.CancelAfter(ConnectTimeout);
                    await socket.ConnectAsync(_endpoint, timeout.Token).ConfigureAwait(false);
                    await socket.SendAsync(Hello(), WebSocketMessageType.Binary, true, timeout.Token).ConfigureAwait(false);
                    (byte[] frame, int length) = await ReceiveAsync(socket, buffer, timeout.Token).ConfigureAwait(false);
                    buffer = frame;
                    ReadOnlySpan<byte> payload = TrackingFrame.Parse(buffer.AsSpan(0, length), out FrameType type, out ulong number);
                    if (type == FrameType.Error)
                    {
                        TrackingProtocolException error = ReadError(payload);
                        throw new WebSocketException($"the server refused the connection: {error.Code}: {error.Message}");
                    }

                    if (type != FrameType.Welcome || payload.Length != 4)
                    {
                        throw new WebSocketException($"the server answered Hello with a {type} frame of {payload.Length} bytes, not a Welcome");
                    }

                    OnWelcome(number, BinaryPrimitives.ReadInt32LittleEndian(payload));
                    welcomed = true;
                }

                backoff = MinBackoff;
                reason = await ServeAsync(socket).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // Stopping.
            }
            catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or TrackingProtocolException or HttpRequestException)
            {
                reason = Describe(e, socket);
                if (!welcomed && socket.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    // Not a passing outage: the caller's next call says so (and tracking goes on into the spool).
                    _broken ??= new UnauthorizedAccessException($"The aim-server at {_endpoint} refused this client's token ({(int)socket.HttpStatusCode} {socket.HttpStatusCode}); set RemoteRepoOptions.Token or {RemoteRepoOptions.TokenVariable} to the server's tracking token.");
                    _logger?.LogError("remote tracking: {Repo}: {Message}", this, _broken.Message);
                }
            }
            finally
            {
                if (_stopping.IsCancellationRequested && socket.State == WebSocketState.Open)
                {
                    await CloseQuietlyAsync(socket).ConfigureAwait(false);
                }

                OnDisconnected(reason);
            }

            if (_stopping.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(backoff, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
        }
    }

    /// <summary>Runs the send and receive loops of one welcomed connection; returns why it ended.</summary>
    private async Task<string?> ServeAsync(ClientWebSocket socket)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        Task<string?> receiving = ReceiveLoopAsync(socket, connection.Token);
        Task<string?> sending = SendLoopAsync(socket, connection.Token);
        Task<string?> first = await Task.WhenAny(receiving, sending).ConfigureAwait(false);
        if (_stopping.IsCancellationRequested && socket.State == WebSocketState.Open)
        {
            await CloseQuietlyAsync(socket).ConfigureAwait(false);
        }

        await connection.CancelAsync().ConfigureAwait(false);
        socket.Abort();
        string? reason = await first.ConfigureAwait(false);
        try
        {
            await Task.WhenAll(receiving, sending).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The other loop ended with the socket; the first one's reason stands.
        }

        return reason;
    }

    /// <summary>Sends the batches in memory after <see cref="_sent"/>, in order, while fewer than
    /// <see cref="RemoteRepoOptions.Window"/> sent batches wait for their acknowledgement.</summary>
    private async Task<string?> SendLoopAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                SealedBatch? next = null;
                lock (_state)
                {
                    // _memory's numbers are contiguous from _acked + 1, so the batch after _sent is found by its number.
                    if (_memory.Count > 0 && _sent < _acked + (ulong)_options.Window)
                    {
                        ulong index = Math.Max(_sent + 1, _memory[0].Number) - _memory[0].Number;
                        if (index < (ulong)_memory.Count)
                        {
                            next = _memory[(int)index];
                            _sent = next.Number;
                        }
                    }
                }

                if (next is null)
                {
                    await _sendSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await socket.SendAsync(next.Frame, WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            return Describe(e, socket);
        }
    }

    /// <summary>Takes Acks until the connection ends; an Error frame refuses the batch after the last one applied
    /// (handled at the next Welcome, which says which that is), or is a passing failure of the server.</summary>
    private async Task<string?> ReceiveLoopAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                (byte[] frame, int length) = await ReceiveAsync(socket, buffer, cancellationToken).ConfigureAwait(false);
                buffer = frame;
                ReadOnlySpan<byte> payload = TrackingFrame.Parse(buffer.AsSpan(0, length), out FrameType type, out ulong number);
                switch (type)
                {
                    case FrameType.Ack:
                        OnAck(number);
                        break;
                    case FrameType.Error:
                        TrackingProtocolException error = ReadError(payload);
                        if (error.Code is TrackingErrorCode.ServerError or TrackingErrorCode.SessionBusy)
                        {
                            _logger?.LogWarning("remote tracking: the server closed the connection of {Repo}: {Code}: {Message}; resending after reconnecting", this, error.Code, error.Message);
                        }
                        else
                        {
                            lock (_state)
                            {
                                _refusal = error;
                            }
                        }

                        return $"the server closed the connection: {error.Code}: {error.Message}";
                    default:
                        return $"the server sent a {type} frame after its Welcome";
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or TrackingProtocolException)
        {
            return Describe(e, socket);
        }
    }

    /// <summary>The next whole message into <paramref name="buffer"/> (grown as needed, returned).</summary>
    /// <exception cref="WebSocketException">The server closed, sent text, or a message over <see cref="MaxServerFrame"/>.</exception>
    private static async Task<(byte[] Buffer, int Length)> ReceiveAsync(WebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length >= MaxServerFrame)
                {
                    throw new WebSocketException($"the server sent a message of more than {MaxServerFrame} bytes");
                }

                Array.Resize(ref buffer, buffer.Length * 2);
            }

            ValueWebSocketReceiveResult result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException("the server closed the connection");
            }

            if (result.MessageType != WebSocketMessageType.Binary)
            {
                throw new WebSocketException("the server sent a text message; tracking frames are binary");
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return (buffer, length);
            }
        }
    }

    private void SignalSend()
    {
        if (_sendSignal.CurrentCount == 0)
        {
            _sendSignal.Release();
        }
    }

    /// <summary>Hello: the session id, then "host pid N" (at most 127 bytes of UTF-8, docs/format.md 15.1).</summary>
    private byte[] Hello()
    {
        string who = $"{Environment.MachineName} pid {Environment.ProcessId}";
        byte[] text = System.Text.Encoding.UTF8.GetBytes(who);
        if (text.Length > 127)
        {
            text = System.Text.Encoding.UTF8.GetBytes($"pid {Environment.ProcessId}");
        }

        byte[] payload = new byte[17 + text.Length];
        Session.TryWriteBytes(payload);
        payload[16] = (byte)text.Length;
        text.CopyTo(payload, 17);
        return TrackingFrame.Build(FrameType.Hello, 0, payload);
    }

    private static TrackingProtocolException ReadError(ReadOnlySpan<byte> payload) =>
        payload.Length < 2
            ? new TrackingProtocolException(TrackingErrorCode.MalformedFrame, "the server sent an Error frame without a code")
            : new TrackingProtocolException((TrackingErrorCode)BinaryPrimitives.ReadUInt16LittleEndian(payload), System.Text.Encoding.UTF8.GetString(payload[2..]));

    private static string Describe(Exception e, ClientWebSocket socket) =>
        socket.HttpStatusCode is not 0 and not HttpStatusCode.SwitchingProtocols
            ? $"HTTP {(int)socket.HttpStatusCode} {socket.HttpStatusCode}: {e.Message}"
            : e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;

    private static async Task CloseQuietlyAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone already.
        }
    }
}
