using System.Buffers;
using System.IO.Pipelines;

namespace AimLsm.Server.Endpoints;

/// <summary>
/// Sits between a stream writer and the response so that its flushes do not each become a socket write.
/// <para>
/// <see cref="AimLsm.Streaming.AimStreamWriter"/> flushes after every chunk (a run, a progress record), so that a
/// slow query's results go out as they are found. Straight into Kestrel each flush is a write to the socket: a run
/// search of 10,000 small runs made 20,000 writes of about 1 KB, which took as long as reading and encoding the runs.
/// Here the writer flushes into an in-memory pipe instead, and a copier moves whatever has piled up to the response
/// and flushes it, once per read. While the query finds runs faster than the socket takes them, the chunks go out
/// together; when the query pauses between matches, the copier has already sent what there was, so no result waits
/// for the next one (no timer, no size threshold).
/// </para>
/// <para>
/// Back-pressure holds: the writer's flush waits while more than <see cref="PauseThreshold"/> bytes are queued, and
/// the copier's flush waits for Kestrel. A response that goes away (the client closed it) completes the pipe's
/// reader, so the writer's next flush reports the reader completed and the writer stops. One writer and this
/// copier; the writer is not thread-safe.
/// </para>
/// </summary>
internal sealed class ResponseCoalescer
{
    /// <summary>Bytes queued before the writer waits for the copier.</summary>
    public const int PauseThreshold = 256 * 1024;

    private readonly Pipe _pipe = new(new PipeOptions(
        pauseWriterThreshold: PauseThreshold, resumeWriterThreshold: PauseThreshold / 2, useSynchronizationContext: false));

    private readonly Task _copy;

    /// <summary>Starts copying into <paramref name="response"/> until the writer completes or <paramref name="token"/> fires.</summary>
    public ResponseCoalescer(PipeWriter response, CancellationToken token) => _copy = CopyAsync(response, token);

    /// <summary>Where the stream writer writes.</summary>
    public PipeWriter Writer => _pipe.Writer;

    /// <summary>
    /// Ends the writer's side and waits for the copier: after a clean end (<paramref name="error"/> null) every byte
    /// has been handed to the response and flushed. With an error the copier stops without sending the rest; the
    /// caller aborts the connection. Exceptions of the copier are returned, not thrown.
    /// </summary>
    public async Task<Exception?> CompleteAsync(Exception? error)
    {
        await _pipe.Writer.CompleteAsync(error);
        try
        {
            await _copy;
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private async Task CopyAsync(PipeWriter response, CancellationToken token)
    {
        // Off the caller's stack: the constructor returns at once, and the copier runs on the thread pool.
        await Task.Yield();
        PipeReader reader = _pipe.Reader;
        try
        {
            for (;;)
            {
                ReadResult read = await reader.ReadAsync(token);
                ReadOnlySequence<byte> buffer = read.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    response.Write(segment.Span);
                }

                reader.AdvanceTo(buffer.End);
                if (!buffer.IsEmpty)
                {
                    FlushResult flushed = await response.FlushAsync(token);
                    if (flushed.IsCompleted || flushed.IsCanceled)
                    {
                        break; // the client is gone: completing the reader below tells the writer
                    }
                }

                if (read.IsCompleted || read.IsCanceled)
                {
                    break;
                }
            }

            await reader.CompleteAsync();
        }
        catch (Exception e)
        {
            await reader.CompleteAsync(e);
            throw;
        }
    }
}
