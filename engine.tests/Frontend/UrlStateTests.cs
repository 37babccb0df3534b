using System.Text.Json;

namespace AimLsm.Tests.Frontend;

/// <summary>The view's state lives in the URL: a link copied after changing the controls reproduces the view in a
/// fresh browser context (no shared storage).</summary>
[Collection("Page")]
public class UrlStateTests(PageFixture fixture)
{
    [BrowserFact]
    public async Task A_copied_metrics_link_reproduces_query_selection_grouping_axes_smoothing_and_zoom()
    {
        string runs = string.Join(",", fixture.Hashes.Take(4));
        string url;
        string before;
        await using (BrowserPage page = await fixture.OpenAsync("#/metrics?runs=" + runs))
        {
            await page.WaitDoneAsync();
            await page.Page.FillAsync("textarea.query", "metric.name == 'loss'");
            await page.Page.Locator("textarea.query").PressAsync("Enter");
            await page.WaitDoneAsync();
            await page.Page.SelectOptionAsync("#y-scale", "log");
            await page.Page.SelectOptionAsync("#color-by", "param.hparams.optimizer");
            await page.Page.SelectOptionAsync("#stroke-by", "run");
            await page.Page.EvaluateAsync("() => { const e = document.getElementById('ema'); e.value = '0.6'; e.dispatchEvent(new Event('input')); }");
            await page.Page.EvaluateAsync("() => { document.getElementById('view').dataset.done = ''; document.querySelector('figure.chart').chart.onZoom(40, 120); }");
            await page.WaitDoneAsync();
            url = page.Page.Url;
            before = Snapshot(await MetricsExplorerTests.ChartsAsync(page.Page));
            Assert.Empty(page.Errors);
        }

        string fragment = url[url.IndexOf('#', StringComparison.Ordinal)..];
        foreach (string expected in new[] { "y=log", "color=param.hparams.optimizer", "stroke=run", "ema=0.6", "zoom=40%3A121", "runs=" })
        {
            Assert.True(fragment.Contains(expected, StringComparison.Ordinal), $"{expected} not in {fragment}");
        }

        await using BrowserPage again = await fixture.OpenAsync(fragment);
        await again.WaitDoneAsync();
        Assert.Equal("metric.name == 'loss'", await again.Page.InputValueAsync("textarea.query"));
        Assert.Equal("log", await again.Page.InputValueAsync("#y-scale"));
        Assert.Equal("param.hparams.optimizer", await again.Page.InputValueAsync("#color-by"));
        Assert.Equal("run", await again.Page.InputValueAsync("#stroke-by"));
        Assert.Equal("0.6", await again.Page.InputValueAsync("#ema"));
        Assert.Equal(before, Snapshot(await MetricsExplorerTests.ChartsAsync(again.Page)));
        Assert.Contains("zoom=40%3A121", again.Page.Url, StringComparison.Ordinal);
        Assert.Empty(again.Errors);
    }

    [BrowserFact]
    public async Task A_copied_runs_link_reproduces_query_columns_sort_and_selection()
    {
        string url;
        await using (BrowserPage page = await fixture.OpenAsync())
        {
            await page.WaitDoneAsync();
            await page.Page.EvaluateAsync("() => { document.getElementById('view').dataset.done = ''; }");
            await page.Page.FillAsync("textarea.query", "run.experiment != 'long'");
            await page.Page.Locator("textarea.query").PressAsync("Enter");
            await page.WaitDoneAsync();
            await page.Page.WaitForSelectorAsync("#add-column[data-ready='true']");
            await page.Page.EvaluateAsync("() => { document.getElementById('view').dataset.done = ''; }");
            await page.Page.SelectOptionAsync("#add-column", "hparams.lr");
            await page.WaitDoneAsync(); // adding a column searches again, for its values
            await page.Page.Locator(".th[data-column='param:hparams.lr'] button.sort").ClickAsync();
            await page.Page.Locator($".tr[data-hash='{fixture.Hashes[1]}'] input[type=checkbox]").CheckAsync();
            url = page.Page.Url;
        }

        await using BrowserPage again = await fixture.OpenAsync(url[url.IndexOf('#', StringComparison.Ordinal)..]);
        await again.WaitDoneAsync();
        Assert.Equal("run.experiment != 'long'", await again.Page.InputValueAsync("textarea.query"));
        string[] hashes = await again.Page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('.tbody .tr')].map((r) => r.dataset.hash)");
        Assert.Equal(fixture.Hashes[4], hashes[0]); // sorted by lr, ascending
        Assert.Equal(6, hashes.Length);
        Assert.True(await again.Page.Locator($".tr[data-hash='{fixture.Hashes[1]}'] input[type=checkbox]").IsCheckedAsync());

        // The selection goes on to the metrics explorer.
        await again.Page.Locator("#compare").ClickAsync();
        await again.WaitDoneAsync();
        Assert.Contains("runs=" + fixture.Hashes[1], again.Page.Url, StringComparison.Ordinal);
        Assert.Empty(again.Errors);
    }

    private static string Snapshot(JsonElement charts) =>
        string.Join("\n", charts.EnumerateArray().Select(c => c.GetProperty("title").GetString() + ": " +
            string.Join(" ", c.GetProperty("lines").EnumerateArray().Select(l => $"{l.GetProperty("id")}/{l.GetProperty("color")}/{l.GetProperty("dash")}/{l.GetProperty("points")}/{l.GetProperty("first")}-{l.GetProperty("last")}").Order(StringComparer.Ordinal))));
}
