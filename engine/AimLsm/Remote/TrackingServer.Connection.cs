using System.Buffers.Binary;
using System.Net.WebSockets;

namespace AimLsm.Remote;

public sealed partial class TrackingServer
{
    /// <summary>
    /// One client's WebSocket: frames in (whole messages, at most the frame limit, into one reused buffer) and frames
    /// out (one send at a time: the receive loop's Error and the ack loop's Acks share the socket).
    /// </summary>
    private sealed class Connection(WebSocket socket, string peer, int maxFrameBytes) : IDisposable
    {
        private readonly SemaphoreSlim _send = new(1, 1);
        private byte[] _buffer = new byte[64 << 10];

        public string Peer { get; } = peer;

        /// <summary>The frame version of the client's Hello, which the server's frames to it use (an older client
        /// refuses a newer version); this build's until the Hello is read.</summary>
        public byte Version { get; set; } = TrackingFrame.Version;

        /// <summary>The next whole message, valid until the next call; null once the client closed.</summary>
        /// <exception cref="TrackingProtocolException">A text message, or one over the frame limit.</exception>
        public async Task<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken)
        {
            int length = 0;
            while (true)
            {
                if (length == _buffer.Length)
                {
                    if (_buffer.Length >= maxFrameBytes)
                    {
                        throw new TrackingProtocolException(TrackingErrorCode.FrameTooLarge,
                            $"a frame of more than {maxFrameBytes} bytes, the server's limit (TrackingServerOptions.MaxFrameBytes)");
                    }

                    Array.Resize(ref _buffer, (int)Math.Min(maxFrameBytes, 2L * _buffer.Length));
                }

                ValueWebSocketReceiveResult result = await socket.ReceiveAsync(_buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                if (result.MessageType != WebSocketMessageType.Binary)
                {
                    throw new TrackingProtocolException(TrackingErrorCode.MalformedFrame, "a text message; tracking frames are binary messages");
                }

                length += result.Count;
                if (result.EndOfMessage)
                {
                    return _buffer.AsMemory(0, length);
                }
            }
        }

        public async Task SendAsync(byte[] frame, CancellationToken cancellationToken)
        {
            await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await socket.SendAsync(frame, WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _send.Release();
            }
        }

        /// <summary>
        /// Sends an Error frame and closes; a connection already gone is left as it is. When nothing else reads the
        /// socket (<paramref name="readsAfter"/>: the receive loop has ended), reads and drops what the client still
        /// sends until its Close, at most a few seconds: tearing the connection down with unread bytes in it resets
        /// it, and a reset can reach the client before it has read the Error (it saw "Connection reset by peer").
        /// </summary>
        public async Task FailAsync(TrackingErrorCode code, string message, bool readsAfter)
        {
            byte[] text = System.Text.Encoding.UTF8.GetBytes(message);
            byte[] payload = new byte[2 + text.Length];
            BinaryPrimitives.WriteUInt16LittleEndian(payload, (ushort)code);
            text.CopyTo(payload, 2);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await SendAsync(TrackingFrame.Build(FrameType.Error, 0, payload, Version), timeout.Token).ConfigureAwait(false);
                await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, code.ToString(), timeout.Token).ConfigureAwait(false);
                if (readsAfter)
                {
                    while ((await socket.ReceiveAsync(_buffer.AsMemory(), timeout.Token).ConfigureAwait(false)).MessageType != WebSocketMessageType.Close)
                    {
                    }
                }
            }
            catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // Gone already: the client sees a dropped connection.
            }
        }

        /// <summary>Answers the client's close.</summary>
        public async Task CloseAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // Gone already.
            }
        }

        public void Dispose()
        {
            socket.Abort();
            _send.Dispose();
        }
    }
}
