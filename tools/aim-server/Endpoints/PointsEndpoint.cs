using System.Globalization;
using AimLsm.Query;
using AimLsm.Server.Http;
using AimLsm.Streaming;
using AimLsm.Tree;
using Microsoft.AspNetCore.Http;

namespace AimLsm.Server.Endpoints;

/// <summary>
/// <c>GET /api/runs/search/points?q=...&amp;record_range=a:b</c> (extension, docs/http-api.md): every point of the
/// matching metrics in the step range, no sampling, as sequence chunks (docs/format.md 14.3: per chunk an object
/// under the run's hash holding <c>traces: [one piece]</c>, then a progress record, then a flush). The page asks
/// for it when the user zooms into a window wider than the metric search's <c>p</c> cap (100,000), so that a
/// 1,000,000-step curve can be read point by point. Before anything is streamed the points the range may hold are
/// added up (per sequence, its count, or the range's width when that is smaller); above
/// <see cref="AimServerOptions.MaxFullDensityPoints"/> the request is a 400 <c>TooManyPoints</c> whose message the page shows. Thread-safe.
/// </summary>
internal sealed class PointsEndpoint(AimServer server)
{
    /// <summary>Serves the request.</summary>
    public async Task PointsAsync(HttpContext context)
    {
        // The metric search's parameters: q and record_range count; p and sampling do not apply and are ignored.
        if (SearchRequest.ParseMetricSearch(context.Request.Query, out ParameterError? invalid) is not { } request)
        {
            await JsonResponses.InvalidParameterAsync(context, invalid!);
            return;
        }

        List<SequenceMatch> matches;
        server.RefreshIfDue();
        try
        {
            // Compiled for metrics first, as the metric search does, so that a query over images is refused.
            AimQuery.CompileSequenceQuery(request.Query, SequenceKind.Metric, server.QueryOptions);
            matches = [.. server.Repo.QuerySequences(request.Query, server.QueryOptions, context.RequestAborted).Where(m => m.Info.IsNumeric)];
        }
        catch (AimQueryException e)
        {
            await JsonResponses.QueryErrorAsync(context, e, request.Query);
            return;
        }

        long bound = 0;
        foreach (SequenceMatch match in matches)
        {
            bound += PointsInRange(match.Info, request.FromStep, request.ToStep);
        }

        long max = server.Options.MaxFullDensityPoints;
        if (bound > max)
        {
            await JsonResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, "TooManyPoints", json =>
            {
                json.WriteNumber("points", bound);
                json.WriteNumber("max_points", max);
                json.WriteNumber("sequences", matches.Count);
                json.WriteString("error", string.Create(CultureInfo.InvariantCulture,
                    $"the range may hold {bound:N0} points in {matches.Count:N0} sequences, more than the {max:N0} streamed at full density; narrow the step range (record_range) or the query."));
            });
            return;
        }

        var options = new StreamOptions { FromStep = request.FromStep, ToStep = request.ToStep };
        await StreamSession.RunAsync(context, server, "points", request.Query, options, async session =>
        {
            foreach (SequenceMatch match in matches)
            {
                Sequence sequence = match.Run.GetSequence(match.Info.Name, match.Info.Context);
                if (!await session.Writer.WriteSequenceAsync(sequence, session.Token))
                {
                    return false;
                }
            }

            if (matches.Count == 0)
            {
                // The stream still starts (the marker and a progress record), so an empty answer is a 200 like the searches'.
                return await session.Writer.WriteProgressAsync(0, 0, session.Token);
            }

            return true;
        });
    }

    /// <summary>An upper bound of the points of <paramref name="info"/> in <c>[from, to)</c>.</summary>
    internal static long PointsInRange(SequenceInfo info, long from, long to)
    {
        long first = Math.Max(from, info.FirstStep);
        long last = Math.Min(to - 1, info.LastStep); // to > from, so to - 1 does not wrap
        if (info.Count == 0 || last < first)
        {
            return 0;
        }

        // Steps are distinct, so a sequence holds at most one point per step of the range.
        Int128 width = (Int128)last - first + 1;
        return width < info.Count ? (long)width : info.Count;
    }
}
