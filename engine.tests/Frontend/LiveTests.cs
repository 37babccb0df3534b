using AimLsm.Tree;

namespace AimLsm.Tests.Frontend;

/// <summary>The live toggle: with it on, the page polls, and a run still being written grows on screen without a
/// reload (the runs view marks it active; its curve gains points).</summary>
[Collection("Page")]
public class LiveTests(PageFixture fixture)
{
    [BrowserFact]
    public async Task With_live_on_an_active_runs_curve_grows_without_reloading_the_page()
    {
        // A repo of its own: the shared fixture's runs stay as the other tests count them.
        using var repo = new Streaming.StreamTestRepo();
        await using AimLsm.Server.AimServer server = await AimLsm.Server.AimServer.StartAsync(repo.Repo, new AimLsm.Server.AimServerOptions { Port = 0 });
        using Run run = repo.Repo.CreateRun("live", name: "growing run");
        Sequence sequence = run.GetSequence("growing");
        for (int step = 0; step < 100; step++)
        {
            sequence.Track(step * 0.5, step: step);
        }

        run.Flush();
        await using BrowserPage page = await fixture.OpenAsync("#/runs?live=true", server.Address);
        await page.WaitDoneAsync();
        Assert.True(await page.Page.IsCheckedAsync("#live"));
        Assert.Equal("yes", await page.Page.Locator($".tr[data-hash='{run.Hash}'] .td").Nth(7).TextContentAsync());

        await page.Page.Locator($".tr[data-hash='{run.Hash}'] input[type=checkbox]").CheckAsync();
        await page.Page.Locator("#compare").ClickAsync();
        await page.Page.WaitForSelectorAsync("figure.chart[data-title='growing'][data-points='100']");
        await page.Page.EvaluateAsync("() => { window.liveMarker = 1; }");

        for (int step = 100; step < 250; step++)
        {
            sequence.Track(step * 0.5, step: step);
        }

        run.Flush();
        await page.Page.WaitForSelectorAsync("figure.chart[data-title='growing'][data-points='250']", new() { Timeout = 20_000 });
        Assert.Equal(1, await page.Page.EvaluateAsync<int>("() => window.liveMarker")); // the same page: no reload
        Assert.Empty(page.Errors);
    }
}
