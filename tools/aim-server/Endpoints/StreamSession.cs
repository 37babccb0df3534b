using System.Diagnostics;
using System.Runtime.ExceptionServices;
using AimLsm.Query;
using AimLsm.Server.Http;
using AimLsm.Streaming;
using Microsoft.AspNetCore.Http;

namespace AimLsm.Server.Endpoints;

/// <summary>
/// One streamed search: its cancellation (the client's disconnect or the server's stop), its response, started
/// lazily, and its summary. The response starts (200, <c>application/octet-stream</c>, chunked) on the first use of
/// <see cref="Writer"/>, so an error before any result, such as a query that runs out of time without matching,
/// still gets its own status and a JSON body. Once bytes have gone out an error can only abort the connection,
/// which the client sees as a stream that ends inside its chunked encoding, never as a short but complete result.
/// The writer writes through a <see cref="ResponseCoalescer"/>, so that its flush per stream chunk is not an HTTP
/// chunk each. Not thread-safe: one request.
/// </summary>
internal sealed class StreamSession : IDisposable
{
    /// <summary>The content type of a stream.</summary>
    public const string ContentType = "application/octet-stream";

    private readonly HttpContext _context;
    private readonly StreamOptions _options;
    private readonly CancellationTokenSource _cancellation;
    private AimStreamWriter? _writer;
    private ResponseCoalescer? _coalescer;

    private StreamSession(HttpContext context, StreamOptions options, CancellationToken stopping)
    {
        _context = context;
        _options = options;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
    }

    /// <summary>Fires when the client goes away or the server stops: pass it to the query and the writer.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>Run objects written so far.</summary>
    public long Runs { get; set; }

    /// <summary>The report of the query being streamed, for the summary.</summary>
    public QueryReport? Report { get; set; }

    /// <summary>The stream writer; the first call starts the response.</summary>
    public AimStreamWriter Writer => _writer ??= Start();

    /// <summary>
    /// Serves one stream: runs <paramref name="body"/> (which returns false when the writer found the reader gone),
    /// sorts out how it ended, answers errors, counts and reports the stream.
    /// </summary>
    public static async Task RunAsync(HttpContext context, AimServer server, string endpoint, string query, StreamOptions options,
        Func<StreamSession, Task<bool>> body)
    {
        long start = Stopwatch.GetTimestamp();
        using var session = new StreamSession(context, options, server.Stopping);
        server.Stats.Started();
        StreamOutcome outcome = StreamOutcome.Failed;
        Exception? error = null;
        try
        {
            try
            {
                bool completed = await body(session);

                // What the writer wrote goes out before the outcome is decided: a copier that failed cut the stream.
                if (await session.EndCopyAsync(null) is { } copyError)
                {
                    ExceptionDispatchInfo.Throw(copyError);
                }

                outcome = completed ? StreamOutcome.Completed : StreamOutcome.Cancelled;
                if (outcome == StreamOutcome.Completed)
                {
                    await context.Response.BodyWriter.FlushAsync(session.Token);
                }
            }
            catch (Exception e) when (session.Token.IsCancellationRequested)
            {
                // Kestrel reports a gone client as a cancellation, or as an IOException from the flush that found it gone.
                outcome = StreamOutcome.Cancelled;
                if (e is not OperationCanceledException)
                {
                    error = e;
                }

                if (session._writer is null)
                {
                    // Nothing sent yet. A gone client gets nothing; the status is for the summary (nginx's "client
                    // closed request"). A client still there while the server stops is told to come back.
                    context.Response.StatusCode = context.RequestAborted.IsCancellationRequested ? 499 : StatusCodes.Status503ServiceUnavailable;
                }
            }
            catch (AimQueryException e) when (session._writer is null)
            {
                // Before any byte: the query's own error (a timeout is 504, docs/http-api.md).
                error = e;
                await JsonResponses.QueryErrorAsync(context, e, query);
            }
            catch (Exception e) when (session._writer is null)
            {
                error = e;
                await JsonResponses.ErrorAsync(context, StatusCodes.Status500InternalServerError, "InternalError", json =>
                {
                    json.WriteString("type", e.GetType().FullName);
                    json.WriteString("error", e.Message);
                });
            }
            catch (Exception e)
            {
                // Mid-stream: a chunk may be half written, and a clean end would pass a short stream off as complete.
                error = e;
                context.Abort();
            }
        }
        finally
        {
            // After an error the copier stops without sending the rest (a no-op when it has already ended).
            await session.EndCopyAsync(error ?? new OperationCanceledException("The stream ended early."));

            // Reported even when answering an error failed, so that Stats never counts a stream as active forever.
            server.OnStreamEnded(new StreamSummary(endpoint, query, outcome, context.Response.StatusCode, session.Runs,
                session._writer?.PointsWritten ?? 0, session._writer?.BytesWritten ?? 0, Stopwatch.GetElapsedTime(start), error,
                session.Report?.ErrorCount ?? 0, session.Report is { HasErrors: true } report ? report.ToString() : null));
        }
    }

    public void Dispose() => _cancellation.Dispose();

    /// <summary>Ends the writer's side of the coalescer (once) and waits for its copier; returns the copier's error.</summary>
    private async Task<Exception?> EndCopyAsync(Exception? error)
    {
        if (_coalescer is not { } coalescer)
        {
            return null;
        }

        _coalescer = null;
        return await coalescer.CompleteAsync(error);
    }

    private AimStreamWriter Start()
    {
        HttpResponse response = _context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;

        // No length: Kestrel sends the body chunked, one chunk per flush, that is per run.
        response.Headers.CacheControl = "no-store";
        _coalescer = new ResponseCoalescer(response.BodyWriter, Token);
        return new AimStreamWriter(_coalescer.Writer, _options);
    }
}
