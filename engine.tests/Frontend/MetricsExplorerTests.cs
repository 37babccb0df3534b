using System.Text.Json;
using Microsoft.Playwright;

namespace AimLsm.Tests.Frontend;

/// <summary>The metrics explorer in a real browser: one chart per metric, one line per (run, context) holding the
/// trace's points, a canvas that is not blank, grouping, and zoom re-querying a step range at full density.</summary>
[Collection("Page")]
public class MetricsExplorerTests(PageFixture fixture)
{
    [BrowserFact]
    public async Task A_chart_per_metric_draws_one_line_per_run_and_context_with_the_traces_points()
    {
        string runs = string.Join(",", fixture.Hashes.Take(5));
        await using BrowserPage page = await fixture.OpenAsync("#/metrics?runs=" + runs);
        await page.WaitDoneAsync();
        await page.ScreenshotAsync("metrics");

        JsonElement charts = await ChartsAsync(page.Page);
        // The run search's metrics only: the str sequence "notes" is no metric.
        Assert.Equal(["accuracy", "loss"], charts.EnumerateArray().Select(c => c.GetProperty("title").GetString()!).Order(StringComparer.Ordinal));
        JsonElement loss = charts.EnumerateArray().Single(c => c.GetProperty("title").GetString() == "loss");
        Assert.Equal(10, loss.GetProperty("lines").GetArrayLength());
        foreach (JsonElement line in loss.GetProperty("lines").EnumerateArray())
        {
            // p=500 is above the 300 steps: every point, from the first step to the last.
            Assert.Equal(PageFixture.Steps, line.GetProperty("points").GetInt32());
            Assert.Equal(0, line.GetProperty("first").GetDouble());
            Assert.Equal(PageFixture.Steps - 1, line.GetProperty("last").GetDouble());
        }

        // Coloured by run (5 colours), dashed by context (2 patterns), by default.
        Assert.Equal(5, loss.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("color").GetString()).Distinct().Count());
        Assert.Equal(2, loss.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("dash").GetString()).Distinct().Count());
        Assert.True(await InkAsync(page.Page, "loss") > 2000, "the loss chart's canvas is blank");

        // The crosshair reads every line at the cursor into the legend.
        ILocator overlay = page.Page.Locator("figure.chart[data-title='loss'] canvas.overlay");
        await overlay.HoverAsync(new LocatorHoverOptions { Position = new Position { X = 300, Y = 100 } });
        Assert.Equal(10, await page.Page.Locator("figure.chart[data-title='loss'] .legend-row").CountAsync());
        Assert.Empty(page.Errors);
    }

    [BrowserFact]
    public async Task The_legend_beside_the_cursor_stays_inside_the_chart_near_its_right_and_bottom_edges()
    {
        string runs = string.Join(",", fixture.Hashes.Take(5));
        await using BrowserPage page = await fixture.OpenAsync("#/metrics?runs=" + runs);
        await page.WaitDoneAsync();
        ILocator overlay = page.Page.Locator("figure.chart[data-title='loss'] canvas.overlay");
        LocatorBoundingBoxResult area = (await page.Page.Locator("figure.chart[data-title='loss'] .stack").BoundingBoxAsync())!;
        LocatorBoundingBoxResult canvas = (await overlay.BoundingBoxAsync())!;
        ILocator legend = page.Page.Locator("figure.chart[data-title='loss'] .legend");
        Assert.True(await legend.IsHiddenAsync(), "the legend shows before any hover");

        // Near the right edge, near the bottom edge, near both, and in the middle: ten rows, inside the box every time.
        var positions = new (float X, float Y)[] { (area.Width - 6, 100), (200, area.Height - 40), (area.Width - 6, area.Height - 40), (area.Width / 2, 30) };
        foreach ((float x, float y) in positions)
        {
            await overlay.HoverAsync(new LocatorHoverOptions { Position = new Position { X = x, Y = y } });
            Assert.Equal(10, await legend.Locator(".legend-row").CountAsync());
            LocatorBoundingBoxResult box = (await legend.BoundingBoxAsync())!;
            foreach (LocatorBoundingBoxResult outer in new[] { area, canvas })
            {
                Assert.True(box.X >= outer.X - 0.5 && box.X + box.Width <= outer.X + outer.Width + 0.5 &&
                            box.Y >= outer.Y - 0.5 && box.Y + box.Height <= outer.Y + outer.Height + 0.5,
                    $"hovering at ({x}, {y}): the legend ({box.X}, {box.Y}, {box.Width} x {box.Height}) leaves the chart ({outer.X}, {outer.Y}, {outer.Width} x {outer.Height})");
            }
        }

        // Near the right edge it sits on the cursor's left, so the cursor's neighbourhood is not covered.
        await overlay.HoverAsync(new LocatorHoverOptions { Position = new Position { X = area.Width - 6, Y = 100 } });
        LocatorBoundingBoxResult left = (await legend.BoundingBoxAsync())!;
        Assert.True(left.X + left.Width < canvas.X + area.Width - 6, "near the right edge the legend is not left of the cursor");
        await page.ScreenshotAsync("metrics-legend-right-edge");
        await page.Page.Mouse.MoveAsync(0, 0);
        Assert.True(await legend.IsHiddenAsync(), "the legend stays after the cursor left the chart");
        Assert.Empty(page.Errors);
    }

    [BrowserFact]
    public async Task Grouping_by_a_param_colours_and_aggregation_draws_a_mean_per_group()
    {
        string runs = string.Join(",", fixture.Hashes.Take(5));
        await using BrowserPage page = await fixture.OpenAsync($"#/metrics?q=metric.name%20%3D%3D%20'loss'&runs={runs}&color=param.hparams.optimizer&agg=mean");
        await page.WaitDoneAsync();
        await page.ScreenshotAsync("metrics-aggregated");
        JsonElement lines = (await ChartsAsync(page.Page))[0].GetProperty("lines");

        // Two optimizers x two contexts: four means, no single lines.
        Assert.Equal(4, lines.GetArrayLength());
        Assert.All(lines.EnumerateArray(), l => Assert.StartsWith("mean:", l.GetProperty("id").GetString(), StringComparison.Ordinal));
        Assert.Equal(2, lines.EnumerateArray().Select(l => l.GetProperty("color").GetString()).Distinct().Count());
        Assert.Empty(page.Errors);
    }

    [BrowserFact]
    public async Task Zooming_re_queries_the_step_range_at_full_density()
    {
        await using BrowserPage page = await fixture.OpenAsync("#/metrics?q=metric.name%20%3D%3D%20'long'");
        await page.WaitDoneAsync();
        JsonElement line = (await ChartsAsync(page.Page))[0].GetProperty("lines")[0];
        Assert.Equal(500, line.GetProperty("points").GetInt32()); // sampled to p

        // Drag across a part of the chart: the range is re-queried with p = its width, every point.
        await page.Page.EvaluateAsync("() => { document.getElementById('view').dataset.done = ''; }");
        ILocator overlay = page.Page.Locator("figure.chart canvas.overlay");
        await overlay.HoverAsync(new LocatorHoverOptions { Position = new Position { X = 300, Y = 120 } });
        await page.Page.Mouse.DownAsync();
        await overlay.HoverAsync(new LocatorHoverOptions { Position = new Position { X = 302 + 1, Y = 120 } });
        await overlay.HoverAsync(new LocatorHoverOptions { Position = new Position { X = 310, Y = 120 } });
        await page.Page.Mouse.UpAsync();
        await page.WaitDoneAsync();
        string url = Uri.UnescapeDataString(page.Page.Url);
        string zoom = url[(url.IndexOf("zoom=", StringComparison.Ordinal) + 5)..].Split('&')[0];
        long from = long.Parse(zoom.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);
        long to = long.Parse(zoom.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(to - from, 100, 100_000);
        Assert.Equal("metric", await page.Page.GetAttributeAsync("#view", "data-mode"));
        line = (await ChartsAsync(page.Page))[0].GetProperty("lines")[0];
        Assert.Equal(to - from, line.GetProperty("points").GetInt32());
        Assert.Equal(from, line.GetProperty("first").GetInt64());
        Assert.Equal(to - 1, line.GetProperty("last").GetInt64());
        await page.ScreenshotAsync("metrics-zoomed");

        // A window wider than the metric search's p cap streams every point from /api/runs/search/points.
        await page.Page.GotoAsync(new Uri(fixture.Server.Address, "/#/metrics?q=metric.name%20%3D%3D%20'long'&zoom=10000:160000").ToString());
        await page.WaitDoneAsync();
        Assert.Equal("points", await page.Page.GetAttributeAsync("#view", "data-mode"));
        line = (await ChartsAsync(page.Page))[0].GetProperty("lines")[0];
        Assert.Equal(150_000, line.GetProperty("points").GetInt32());
        Assert.Equal(10_000, line.GetProperty("first").GetInt64());
        Assert.Equal(159_999, line.GetProperty("last").GetInt64());

        // The points read back are the stored ones: the crosshair at the middle reads a step's exact value.
        double value = await page.Page.EvaluateAsync<double>("""
            () => { const c = document.querySelector('figure.chart').chart; const l = c.lines[0];
                    let i = 0; while (l.xs[i].length === 0 || l.xs[i][l.xs[i].length - 1] < 85000) i++;
                    const k = 85000 - l.xs[i][0]; return l.ys[i][k]; }
            """);
        Assert.Equal(PageFixture.LongValue(85_000), value, 12);
        Assert.Empty(page.Errors);
    }

    [BrowserFact]
    public async Task A_window_holding_too_many_points_is_refused_with_the_servers_message()
    {
        await using AimLsm.Server.AimServer capped = await AimLsm.Server.AimServer.StartAsync(fixture.Repo,
            new AimLsm.Server.AimServerOptions { Port = 0, MaxFullDensityPoints = 100_000 });
        await using BrowserPage page = await fixture.OpenAsync("#/metrics?q=metric.name%20%3D%3D%20'long'&zoom=0:200000", capped.Address);
        await page.Page.WaitForSelectorAsync("#view[data-done='error']");
        string note = await page.Page.Locator(".zoom-note").TextContentAsync() ?? "";
        Assert.StartsWith("zoom refused: TooManyPoints: the range may hold 200,000 points", note, StringComparison.Ordinal);
        Assert.Contains("narrow the step range", note, StringComparison.Ordinal);
    }

    internal static async Task<JsonElement> ChartsAsync(IPage page) =>
        await page.EvaluateAsync<JsonElement>("() => window.aimlsm.charts()");

    /// <summary>Pixels drawn on the chart's canvas (alpha above zero).</summary>
    internal static Task<int> InkAsync(IPage page, string title) =>
        page.EvaluateAsync<int>("""
            (title) => { const c = document.querySelector(`figure.chart[data-title="${title}"] canvas.plot`);
                         const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                         let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }
            """, title);
}
