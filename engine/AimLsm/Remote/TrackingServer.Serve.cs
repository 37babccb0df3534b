using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Threading.Channels;
using AimLsm.Tree;
using Microsoft.Extensions.Logging;

namespace AimLsm.Remote;

public sealed partial class TrackingServer
{
    /// <summary>How long a new connection has to say Hello.</summary>
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Serves one client connection until it closes: reads its frames, applies its batches, sends acknowledgements.
    /// A client's fault (a malformed or oversized frame, a run another session holds) closes this connection with an
    /// error frame and a log line; other connections are unaffected. A dropped connection is not an error: the
    /// session's runs stay held for <see cref="TrackingServerOptions.SessionHoldTime"/> and the client resumes.
    /// </summary>
    /// <param name="socket">An open WebSocket the host accepted and authenticated.</param>
    /// <param name="peer">Who is at the other end (address and port), for log lines and error messages.</param>
    /// <param name="cancellationToken">Stops serving (the host is shutting down).</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task ServeAsync(WebSocket socket, string peer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(peer);
        var connection = new Connection(socket, peer, _options.MaxFrameBytes);
        TrackingSession? session = null;
        Channel<PendingAck>? acks = null;
        Task? ackLoop = null;
        try
        {
            session = await HelloAsync(connection, cancellationToken).ConfigureAwait(false);
            acks = Channel.CreateUnbounded<PendingAck>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            ackLoop = AckLoopAsync(connection, session, acks.Reader, cancellationToken);
            var touched = new List<Run>();
            while (await connection.ReceiveAsync(cancellationToken).ConfigureAwait(false) is { } frame)
            {
                ReadOnlySpan<byte> payload = TrackingFrame.Parse(frame.Span, out FrameType type, out ulong number);
                if (type != FrameType.Batch)
                {
                    throw new TrackingProtocolException(TrackingErrorCode.MalformedFrame, $"a {type} frame after Hello; a client sends only Batch frames then");
                }

                if (number <= session.Applied)
                {
                    // A batch the client resent before it saw our Welcome or Ack: applied once already.
                    acks.Writer.TryWrite(new PendingAck(number, session.LastCommit, []));
                    continue;
                }

                if (number != session.Applied + 1)
                {
                    throw new TrackingProtocolException(TrackingErrorCode.MalformedFrame,
                        $"batch {number} arrived after batch {session.Applied}: batches of a session are numbered 1, 2, 3, ... without gaps");
                }

                Validate(session, payload);
                touched.Clear();
                Apply(session, payload, touched);
                session.Applied = number;
                Task commit = _repo.CommitSessionBatchAsync(session.Id, number);
                session.LastCommit = commit;
                acks.Writer.TryWrite(new PendingAck(number, commit, [.. touched]));
            }

            _logger?.LogInformation("tracking: {Session} closed its connection", session);
            acks.Writer.TryComplete();
            await ackLoop.ConfigureAwait(false);
            await connection.CloseAsync().ConfigureAwait(false);
        }
        catch (TrackingProtocolException e)
        {
            _logger?.LogWarning("tracking: closing the connection of {Who}: {Message}", session?.ToString() ?? peer, e.Message);
            await connection.FailAsync(e.Code, e.Message, readsAfter: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The connection dropped (the client died, the network went): the client resumes with a new one.
            _logger?.LogInformation("tracking: the connection of {Who} dropped: {Message}", session?.ToString() ?? peer, e.Message);
        }
        catch (Exception e) when (e is RepoException or Kv.DbException or InvalidOperationException or ObjectDisposedException)
        {
            // The repo failed or is shutting down: the batch in hand is not acknowledged, the client resends it.
            _logger?.LogError(e, "tracking: serving {Who} failed", session?.ToString() ?? peer);
            await connection.FailAsync(TrackingErrorCode.ServerError, $"the server failed: {e.Message}", readsAfter: true).ConfigureAwait(false);
        }
        finally
        {
            acks?.Writer.TryComplete();
            if (ackLoop is not null)
            {
                await ackLoop.ConfigureAwait(false);
            }

            if (session is not null)
            {
                Detach(session);
            }

            connection.Dispose();
        }
    }

    /// <summary>Reads the Hello, attaches its session and answers with how far the session got.</summary>
    private async Task<TrackingSession> HelloAsync(Connection connection, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HelloTimeout);
        ReadOnlyMemory<byte>? frame;
        try
        {
            frame = await connection.ReceiveAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TrackingProtocolException(TrackingErrorCode.MalformedFrame, $"no Hello within {HelloTimeout.TotalSeconds:0} s of connecting");
        }

        if (frame is not { } hello)
        {
            throw new WebSocketException("the client closed the connection before its Hello");
        }

        ReadOnlySpan<byte> payload = TrackingFrame.Parse(hello.Span, out FrameType type, out _, out byte version);
        connection.Version = version;
        if (type != FrameType.Hello)
        {
            throw new TrackingProtocolException(TrackingErrorCode.MalformedFrame, $"the first frame is a {type}; a client starts with Hello");
        }

        (Guid id, string who) = ParseHello(payload);
        TrackingSession session = Attach(id, $"{who}, {connection.Peer}");
        try
        {
            try
            {
                // A batch of an earlier connection may still be on its way to the disk: say how far it got once it has.
                await session.LastCommit.ConfigureAwait(false);
            }
            catch (Exception e) when (e is RepoException or Kv.DbException)
            {
                // Not durable: the client resends it (Applied drops back below).
            }

            session.Durable = Math.Max(session.Durable, _repo.ReadSessionMarker(id));
            session.Applied = session.Durable;
            byte[] welcome = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(welcome, _options.MaxFrameBytes);
            await connection.SendAsync(TrackingFrame.Build(FrameType.Welcome, session.Durable, welcome, connection.Version), cancellationToken).ConfigureAwait(false);
            _logger?.LogInformation("tracking: {Session} connected; batches up to {Durable} are applied", session, session.Durable);
            return session;
        }
        catch
        {
            Detach(session);
            throw;
        }
    }

    /// <summary>Hello's payload: a 16-byte session id, then a LEB128-prefixed UTF-8 description of the client.</summary>
    private static (Guid Id, string Who) ParseHello(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 17)
        {
            throw new TrackingProtocolException(TrackingErrorCode.MalformedFrame, $"a Hello payload of {payload.Length} bytes; it holds a 16-byte session id and a description");
        }

        var id = new Guid(payload[..16]);
        int length = payload[16];
        if (length >= 0x80 || 17 + length != payload.Length)
        {
            throw new TrackingProtocolException(TrackingErrorCode.MalformedFrame, "the Hello's client description is not a LEB128-prefixed string of at most 127 bytes filling the payload");
        }

        string who;
        try
        {
            who = new System.Text.UTF8Encoding(false, true).GetString(payload.Slice(17, length));
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new TrackingProtocolException(TrackingErrorCode.MalformedFrame, "the Hello's client description is not UTF-8");
        }

        return (id, who);
    }

    /// <summary>Acknowledges batches in order once their commits are durable; the highest of those done at once.</summary>
    private async Task AckLoopAsync(Connection connection, TrackingSession session, ChannelReader<PendingAck> pending, CancellationToken cancellationToken)
    {
        try
        {
            while (await pending.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                ulong highest = 0;
                while (pending.TryRead(out PendingAck ack))
                {
                    await ack.Commit.ConfigureAwait(false);
                    foreach (Run run in ack.Runs)
                    {
                        if (run.TrackingFailure is { } failure)
                        {
                            throw failure;
                        }
                    }

                    highest = Math.Max(highest, ack.Number);
                }

                lock (_lock)
                {
                    session.Durable = Math.Max(session.Durable, highest);
                }

                await connection.SendAsync(TrackingFrame.Build(FrameType.Ack, highest, [], connection.Version), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is RepoException or Kv.DbException)
        {
            _logger?.LogError(e, "tracking: a batch of {Session} could not be made durable", session);
            await connection.FailAsync(TrackingErrorCode.ServerError, $"the server could not make a batch durable: {e.Message}", readsAfter: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
        {
            // The connection is gone; the receive loop sees it too. Unacknowledged batches are resent after Welcome.
        }
        finally
        {
            while (pending.TryRead(out _))
            {
            }
        }
    }

    /// <summary>A batch applied, waiting for its commit before it is acknowledged.</summary>
    private readonly record struct PendingAck(ulong Number, Task Commit, Run[] Runs);
}
