using AimLsm.Query;
using AimLsm.Server.Http;
using AimLsm.Streaming;
using AimLsm.Tree;
using Microsoft.AspNetCore.Http;

namespace AimLsm.Server.Endpoints;

/// <summary>
/// The streamed searches, as Aim's web API streams them (docs/http-api.md): the run search sends one run object per
/// matching run with its metric traces' metadata; the metric search sends one run object per run with a matching
/// metric, holding those metrics sampled to <c>p</c> points. A progress record <c>[runs sent, runs in the repo]</c>
/// follows every run, and <c>[runs in the repo, runs in the repo]</c> ends a search that went through the whole
/// repo. Parameters and the query are checked before the repo is read: an error there is a 400 with a JSON body.
/// Thread-safe; each request has its own state.
/// </summary>
internal sealed class SearchEndpoints(AimServer server)
{
    /// <summary><c>GET /api/runs/search/run?q=...&amp;limit=...</c>.</summary>
    public async Task RunSearchAsync(HttpContext context)
    {
        if (SearchRequest.ParseRunSearch(context.Request.Query, out ParameterError? invalid) is not { } request)
        {
            await JsonResponses.InvalidParameterAsync(context, invalid!);
            return;
        }

        if (!await CompilesAsync(context, request.Query, metric: false))
        {
            return;
        }

        server.RefreshIfDue();
        await StreamSession.RunAsync(context, server, "run", request.Query, new StreamOptions { Params = request.Params, Props = request.Props }, async session =>
        {
            long total = server.Repo.Runs.LongCount();
            QueryResults<Run> runs = server.Repo.QueryRuns(request.Query, server.QueryOptions, session.Token);
            session.Report = runs.Report;
            foreach (Run run in runs)
            {
                // Aim's run search lists a run's metrics only (collect_sequence_info(sequence_types='metric')).
                if (!await session.Writer.WriteRunAsync(run, request.Traces ? MetricTraces(run) : [], session.Token))
                {
                    return false;
                }

                // Aim's report_progress=false: the page's table counts the runs it receives and needs none.
                session.Runs++;
                if (request.ReportProgress && !await session.Writer.WriteProgressAsync(session.Runs, total, session.Token))
                {
                    return false;
                }

                if (request.Limit > 0 && session.Runs >= request.Limit)
                {
                    return true;
                }
            }

            return !request.ReportProgress || await session.Writer.WriteProgressAsync(total, total, session.Token);
        });
    }

    /// <summary><c>GET /api/runs/search/metric?q=...&amp;p=500&amp;x_axis=step&amp;record_range=a:b&amp;sampling=lttb</c>.</summary>
    public async Task MetricSearchAsync(HttpContext context)
    {
        if (SearchRequest.ParseMetricSearch(context.Request.Query, out ParameterError? invalid) is not { } request)
        {
            await JsonResponses.InvalidParameterAsync(context, invalid!);
            return;
        }

        if (!await CompilesAsync(context, request.Query, metric: true))
        {
            return;
        }

        server.RefreshIfDue();
        var options = new StreamOptions
        {
            Density = request.Density,
            FromStep = request.FromStep,
            ToStep = request.ToStep,
            Sampling = request.Sampling,
        };
        await StreamSession.RunAsync(context, server, "metric", request.Query, options, async session =>
        {
            long total = server.Repo.Runs.LongCount();
            var traces = new List<SequenceInfo>();
            Run? current = null;

            // A run's matches come together (runs in order, each run's sequences in order): a run object is written
            // once the next run's first match, or the end, shows that the run has no more.
            QueryResults<SequenceMatch> matches = server.Repo.QuerySequences(request.Query, server.QueryOptions, session.Token);
            session.Report = matches.Report;
            foreach (SequenceMatch match in matches)
            {
                if (current is not null && match.Run.Hash != current.Hash)
                {
                    if (!await WriteRunAsync(session, current, traces, total))
                    {
                        return false;
                    }

                    traces.Clear();
                }

                current = match.Run;
                traces.Add(match.Info);
            }

            if (current is not null && !await WriteRunAsync(session, current, traces, total))
            {
                return false;
            }

            return await session.Writer.WriteProgressAsync(total, total, session.Token);
        });
    }

    private static async Task<bool> WriteRunAsync(StreamSession session, Run run, List<SequenceInfo> traces, long total) =>
        await session.Writer.WriteRunAsync(run, traces, session.Token) &&
        await session.Writer.WriteProgressAsync(++session.Runs, total, session.Token);

    private static IEnumerable<SequenceInfo> MetricTraces(Run run) =>
        run.Sequences.Where(s => SequenceKinds.FromDtype(s.Dtype) == SequenceKind.Metric);

    /// <summary>Compiles the query (the repo's query methods find it in the cache); answers 400 when it does not compile.</summary>
    private async Task<bool> CompilesAsync(HttpContext context, string query, bool metric)
    {
        try
        {
            if (metric)
            {
                // With the kind, so that images.name == 'x' is refused here instead of selecting images.
                AimQuery.CompileSequenceQuery(query, SequenceKind.Metric, server.QueryOptions);
            }
            else
            {
                AimQuery.CompileRunQuery(query, server.QueryOptions);
            }

            return true;
        }
        catch (AimQueryException e)
        {
            await JsonResponses.QueryErrorAsync(context, e, query);
            return false;
        }
    }
}
