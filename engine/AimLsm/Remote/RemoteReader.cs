using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AimLsm.Query;
using AimLsm.Streaming;
using AimLsm.Tree;

namespace AimLsm.Remote;

/// <summary>
/// The read side of a remote repo (issue 18, docs/aim-repo.md "Many machines"): <see cref="IRepo"/>'s reads over
/// aim-server's read API (docs/http-api.md), so that code written against a local repo reads a served one unchanged.
/// Every query runs on the server; only its results cross the network.
/// <list type="bullet">
/// <item><see cref="QueryRuns"/>: the run search (<c>/api/runs/search/run</c>, <c>traces=none</c>); each run object
/// (props, the whole parameter tree) becomes a <see cref="RemoteRunView"/>.</item>
/// <item><see cref="QuerySequences"/>: the metric search at one point per trace, only to learn which sequences
/// match; their records are read when asked for.</item>
/// <item><see cref="GetRun"/>: the run search for that hash, archived or not (the stream keeps values exact, which
/// the run document's JSON would not: 1.0 would come back as 1).</item>
/// <item>A run's <see cref="IRunInfo.Sequences"/>: the run document (<c>/api/runs/{hash}</c>), once per view.</item>
/// <item>A sequence's <see cref="ISequence.Read"/>: the points endpoint (every point of the step range);
/// <see cref="ISequence.Sample"/>: the metric search with <c>p</c> = the points and uniform sampling, which picks the
/// positions a local <see cref="Sequence.Sample"/> picks.</item>
/// </list>
/// A query is compiled here first, so that one that does not compile throws where and as a local repo's would (when
/// <c>QueryRuns</c> is called); the server's own refusals (stricter <see cref="QueryOptions"/>, a time-out) are
/// turned into the same exception types when the results are enumerated (<see cref="RemoteQueryErrors"/>). A server
/// that cannot be reached, or a stream that breaks off, is a <see cref="RepoException"/> naming the URL.
/// Thread-safe: results enumerate on the calling thread, blocking on the network.
/// </summary>
internal sealed class RemoteReader : IDisposable
{
    /// <summary>The metric search's largest <c>p</c> (aim-server's <c>AimServerOptions.MaxDensity</c>).</summary>
    internal const int MaxDensity = 100_000;

    /// <summary>The default wait for an answer to start: ten times aim-server's default query time budget (10 s).</summary>
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(100);

    private readonly HttpClient _http;

    /// <summary>Reads the repo aim-server serves at <paramref name="baseAddress"/>.</summary>
    /// <param name="baseAddress">The server's root, such as <c>http://127.0.0.1:43800/</c>; a <c>ws://</c> or
    /// <c>wss://</c> address (the tracking connection's) reads from the same host and port over <c>http</c> or <c>https</c>.</param>
    /// <param name="token">Sent as <c>Authorization: Bearer TOKEN</c> with every request; null sends none.</param>
    /// <param name="handler">The HTTP handler (tests, proxies); null for the default. Not disposed.</param>
    /// <param name="timeout">How long a request may wait for the server's answer to start (<see cref="DefaultTimeout"/>
    /// when null): a search answers once its first result is ready, within the server's query time budget.</param>
    /// <exception cref="ArgumentException">The address is not an absolute http or https URI.</exception>
    public RemoteReader(Uri baseAddress, string? token = null, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (baseAddress.IsAbsoluteUri && (baseAddress.Scheme == Uri.UriSchemeWs || baseAddress.Scheme == Uri.UriSchemeWss))
        {
            baseAddress = new UriBuilder(baseAddress) { Scheme = baseAddress.Scheme == Uri.UriSchemeWs ? Uri.UriSchemeHttp : Uri.UriSchemeHttps }.Uri;
        }

        if (!baseAddress.IsAbsoluteUri || (baseAddress.Scheme != Uri.UriSchemeHttp && baseAddress.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{baseAddress}' is not an http://, https://, ws:// or wss:// address of aim-server.", nameof(baseAddress));
        }

        // Relative request paths resolve below the address only when it ends with '/'.
        BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = timeout ?? DefaultTimeout;
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>The server's root, ending with '/'.</summary>
    public Uri BaseAddress { get; }

    /// <summary>A read-only view of run <paramref name="hash"/> (its props and parameters, from one run search).</summary>
    /// <exception cref="RunNotFoundException">The server's repo has no such run.</exception>
    public IRunInfo GetRun(string hash)
    {
        ArgumentException.ThrowIfNullOrEmpty(hash);
        string query = AimQlText.Run(hash);
        foreach (StreamedRun run in Stream(RunSearch(query) + "&limit=1", query, CancellationToken.None))
        {
            return RemoteRunView.From(this, run);
        }

        throw new RunNotFoundException(hash);
    }

    /// <summary>The runs matching <paramref name="query"/>, selected by the server, lazily: each enumeration is one request.</summary>
    /// <exception cref="AimQueryException">The query does not compile (thrown here, before any request).</exception>
    public QueryResults<IRunInfo> QueryRuns(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        AimQuery.CompileRunQuery(query);
        return Results(query, ct => RunsUnchecked(query, ct));
    }

    /// <summary>The sequences matching <paramref name="query"/> (over <c>metric</c>: the server's metric search), lazily.</summary>
    /// <exception cref="AimQueryException">The query does not compile for metrics (thrown here, before any request).</exception>
    public QueryResults<ISequence> QuerySequences(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        AimQuery.CompileSequenceQuery(query, SequenceKind.Metric);
        return Results(query, ct => SequencesUnchecked(query, ct));
    }

    /// <summary>The run search's results, without compiling the query here first (so tests reach the server's refusals).</summary>
    internal IEnumerable<IRunInfo> RunsUnchecked(string query, CancellationToken cancellationToken)
    {
        foreach (StreamedRun run in Stream(RunSearch(query), query, cancellationToken))
        {
            yield return RemoteRunView.From(this, run);
        }
    }

    /// <summary>The metric search's matches, without compiling the query here first.</summary>
    internal IEnumerable<ISequence> SequencesUnchecked(string query, CancellationToken cancellationToken)
    {
        // One point per trace (uniform: reads only that point): the search says which sequences match, and their
        // run's props and parameters; what a caller reads of the sequences is asked for then.
        string path = "api/runs/search/metric?p=1&sampling=uniform&q=" + Uri.EscapeDataString(query);
        foreach (StreamedRun run in Stream(path, query, cancellationToken))
        {
            RemoteRunView view = RemoteRunView.From(this, run);
            foreach (StreamedTrace trace in run.Traces)
            {
                yield return new RemoteSequenceView(view, trace.Name, ToContext(trace.Context), info: null);
            }
        }
    }

    /// <summary>Every sequence of run <paramref name="hash"/> with its metadata, from the run document.</summary>
    /// <exception cref="RunNotFoundException">The run is gone.</exception>
    internal List<SequenceInfo> LoadSequences(string hash)
    {
        Uri uri = new(BaseAddress, "api/runs/" + Uri.EscapeDataString(hash));
        using HttpResponseMessage response = Send(uri, null, hash, CancellationToken.None);
        using Stream body = response.Content.ReadAsStream();
        using JsonDocument document = ParseJson(body, uri);
        return RemoteRunDocument.Sequences(document.RootElement, uri);
    }

    /// <summary>Every record of <paramref name="sequence"/> with <paramref name="from"/> ≤ step &lt; <paramref name="to"/>: the points endpoint.</summary>
    internal SequenceData ReadPoints(RemoteSequenceView sequence, long from, long to)
    {
        if (from >= to)
        {
            return RemoteSequenceView.Empty();
        }

        string query = AimQlText.Metric(sequence.Run.Hash, sequence.Name, sequence.Context);
        return Collect(sequence, "api/runs/search/points?q=" + Uri.EscapeDataString(query) + RecordRange(from, to), query);
    }

    /// <summary>At most <paramref name="points"/> records of <paramref name="sequence"/> in the step range, uniformly
    /// by position: the metric search's uniform sampling, the positions <see cref="Sequence.Sample"/> picks.</summary>
    internal SequenceData SamplePoints(RemoteSequenceView sequence, int points, long from, long to)
    {
        if (from >= to)
        {
            return RemoteSequenceView.Empty();
        }

        string query = AimQlText.Metric(sequence.Run.Hash, sequence.Name, sequence.Context);
        return Collect(sequence, $"api/runs/search/metric?p={points}&sampling=uniform&q={Uri.EscapeDataString(query)}{RecordRange(from, to)}", query);
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <summary>Joins the trace pieces a sequence's stream carries into one <see cref="SequenceData"/>.</summary>
    private SequenceData Collect(RemoteSequenceView sequence, string path, string query)
    {
        var pieces = new List<StreamedTrace>();
        foreach (StreamedRun chunk in Stream(path, query, CancellationToken.None))
        {
            pieces.AddRange(chunk.Traces);
        }

        if (pieces.TrueForAll(p => p.Length == 0))
        {
            // A range without records: the stream may still send an (empty) int64 column, a local read fills none.
            return RemoteSequenceView.Empty();
        }

        StreamedTrace trace = pieces.Count == 1 ? pieces[0] : StreamedTrace.Combine(pieces);
        return new SequenceData(trace.Steps, trace.Epochs, trace.Timestamps, trace.Numbers, trace.Integers, trace.Objects);
    }

    private QueryResults<T> Results<T>(string query, Func<CancellationToken, IEnumerable<T>> evaluate) =>
        // The server evaluates and does not report the runs whose evaluation failed: the report stays empty.
        new(query, new QueryReport(), evaluate, CancellationToken.None);

    private static string RunSearch(string query) => "api/runs/search/run?traces=none&q=" + Uri.EscapeDataString(query);

    /// <summary>The <c>record_range</c> parameter for [from, to), an end left out where it is unbounded.</summary>
    private static string RecordRange(long from, long to) =>
        from == long.MinValue && to == long.MaxValue
            ? string.Empty
            : $"&record_range={(from == long.MinValue ? "" : from)}:{(to == long.MaxValue ? "" : to)}";

    private static Context ToContext(IReadOnlyDictionary<string, object?> entries) =>
        entries.Count == 0 ? Context.From(null) : new Context(entries).Freeze();

    /// <summary>
    /// The run objects of a stream, decoded as they arrive. The stream's reader is asynchronous; this enumeration
    /// blocks on it, on the caller's thread, as a local query blocks on the engine.
    /// </summary>
    private IEnumerable<StreamedRun> Stream(string path, string query, CancellationToken cancellationToken)
    {
        var uri = new Uri(BaseAddress, path);
        HttpResponseMessage response = Send(uri, query, null, cancellationToken);
        try
        {
            Stream body = response.Content.ReadAsStream(cancellationToken);
            IAsyncEnumerator<StreamedRun> runs = AimStreamReader.ReadRunsAsync(PipeReader.Create(body), null, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (MoveNext(runs, uri))
                {
                    yield return runs.Current;
                }
            }
            finally
            {
                // Completes the pipe: an abandoned enumeration closes the stream, and the server stops its query.
                Wait(runs.DisposeAsync());
            }
        }
        finally
        {
            response.Dispose();
        }
    }

    private static bool MoveNext(IAsyncEnumerator<StreamedRun> runs, Uri uri)
    {
        try
        {
            ValueTask<bool> next = runs.MoveNextAsync();
            return next.IsCompletedSuccessfully ? next.Result : next.AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or HttpRequestException or StreamFormatException)
        {
            // The server aborts the connection when a query fails after its first result (docs/http-api.md, "Streams").
            throw new RepoException($"The stream from aim-server at {uri} broke off: {e.Message}", e);
        }
    }

    private static void Wait(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Sends a GET and returns the response once its headers arrived (the body is read by the caller), or throws:
    /// the exception a local repo throws for a refused query (<paramref name="query"/>) or a missing run
    /// (<paramref name="hash"/>), else a <see cref="RepoException"/> naming the URL.
    /// </summary>
    private HttpResponseMessage Send(Uri uri, string? query, string? hash, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        HttpResponseMessage response;
        try
        {
            response = _http.Send(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new RepoException($"Cannot reach aim-server at {uri}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RepoException($"aim-server at {uri} did not answer within {_http.Timeout.TotalSeconds:0.#} s.", new TimeoutException(e.Message, e));
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw Refused(uri, response, query, hash);
        }
    }

    /// <summary>The exception for an error answer: its JSON body (<c>{"message": kind, "detail": {...}}</c>) says what.</summary>
    private static Exception Refused(Uri uri, HttpResponseMessage response, string? query, string? hash)
    {
        string body;
        try
        {
            using var reader = new StreamReader(response.Content.ReadAsStream());
            body = reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            body = string.Empty;
        }

        string kind = string.Empty, error = body;
        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            JsonElement root = document.RootElement;
            kind = root.TryGetProperty("message", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : string.Empty;
            JsonElement detail = root.TryGetProperty("detail", out JsonElement d) ? d.Clone() : default;
            if (query is not null && RemoteQueryErrors.ToException(kind, detail, query) is { } queryError)
            {
                return queryError;
            }

            if (hash is not null && response.StatusCode == HttpStatusCode.NotFound && kind == "RunNotFound")
            {
                return new RunNotFoundException(hash);
            }

            if (detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty("error", out JsonElement e) && e.ValueKind == JsonValueKind.String)
            {
                error = e.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Not one of the server's JSON errors (a proxy's page, say): the body is the message.
        }

        string status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        return response.StatusCode == HttpStatusCode.Unauthorized
            ? new RepoException($"aim-server at {uri} refused the request ({status}): the bearer token is missing or wrong. {error}".TrimEnd())
            : new RepoException($"aim-server at {uri} answered {status}{(kind.Length > 0 ? " " + kind : "")}: {error}");
    }

    private static JsonDocument ParseJson(Stream body, Uri uri)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (Exception e) when (e is JsonException or IOException or HttpRequestException)
        {
            throw new RepoException($"aim-server at {uri} sent a run document that is not JSON: {e.Message}", e);
        }
    }
}
