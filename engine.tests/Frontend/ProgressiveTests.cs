namespace AimLsm.Tests.Frontend;

/// <summary>The charts draw as the stream arrives: with the server holding every run but the first, the first
/// run's lines are on the canvas before the last chunk is sent.</summary>
[Collection("Page")]
public class ProgressiveTests(PageFixture fixture)
{
    [BrowserFact]
    public async Task The_first_chunks_lines_are_drawn_before_the_last_chunk_is_sent()
    {
        List<string> sweep = [.. fixture.Hashes.Take(5)];
        await using ThrottledServer server = await ThrottledServer.StartAsync(fixture, sweep, "loss");
        await using BrowserPage page = await fixture.OpenAsync("#/metrics?q=metric.name%20%3D%3D%20'loss'", server.Address);

        // The first run (train and val) is drawn while the server still holds the other four.
        await server.FirstSent.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await page.Page.WaitForSelectorAsync("figure.chart[data-title='loss'][data-lines='2']");
        Assert.Equal("false", await page.Page.GetAttributeAsync("#view", "data-done"));
        Assert.True(int.Parse(await page.Page.GetAttributeAsync("figure.chart", "data-points") ?? "0", System.Globalization.CultureInfo.InvariantCulture) == 2 * PageFixture.Steps);
        Assert.True(await MetricsExplorerTests.InkAsync(page.Page, "loss") > 500, "nothing on the canvas while the stream is held");
        await page.ScreenshotAsync("metrics-progressive");

        server.Release();
        await page.WaitDoneAsync();
        Assert.Equal("10", await page.Page.GetAttributeAsync("figure.chart[data-title='loss']", "data-lines"));
        Assert.Empty(page.Errors);
    }
}
