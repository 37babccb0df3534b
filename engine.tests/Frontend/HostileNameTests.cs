using Microsoft.Playwright;

namespace AimLsm.Tests.Frontend;

/// <summary>Every string from the repo is rendered as text: a run named <c>&lt;img src=x onerror=alert(1)&gt;</c>,
/// hostile tags, experiment, param keys and values, metric name and context show as those characters, create no
/// element and run no script, in every view.</summary>
[Collection("Page")]
public class HostileNameTests(PageFixture fixture)
{
    /// <summary>Elements that only injected markup could have created inside the view.</summary>
    private const string Injected = "#view img, #view script, #view svg, #view b, #view u, #view i, #view iframe, #view a[href^='javascript']";

    [BrowserFact]
    public async Task Hostile_names_and_values_render_as_text_in_the_runs_view()
    {
        await using BrowserPage page = await fixture.OpenAsync("#/runs?cols=hparams.note,hparams.<u>key</u>");
        await page.WaitDoneAsync();
        ILocator row = page.Page.Locator($".tr[data-hash='{fixture.Hostile}'] .td");
        Assert.Equal(PageFixture.HostileName, await row.Nth(2).TextContentAsync());
        Assert.Equal("<i>exp</i>", await row.Nth(3).TextContentAsync());
        Assert.Equal("<script>alert(5)</script>", await row.Nth(4).TextContentAsync());
        Assert.Equal(PageFixture.HostileValue, await row.Nth(8).TextContentAsync());
        Assert.Equal("<a href=javascript:alert(3)>x</a>", await row.Nth(9).TextContentAsync());
        Assert.Equal("hparams.<u>key</u>", await page.Page.Locator(".th[data-column='param:hparams.<u>key</u>'] button.sort").TextContentAsync());
        Assert.Equal(0, await page.Page.Locator(Injected).CountAsync());
        await page.ScreenshotAsync("hostile-runs");
        Assert.Empty(page.Errors);
    }

    [BrowserFact]
    public async Task Hostile_names_render_as_text_on_the_run_page_and_in_the_charts()
    {
        await using BrowserPage page = await fixture.OpenAsync($"#/run/{fixture.Hostile}");
        await page.WaitDoneAsync();
        await page.Page.WaitForSelectorAsync("figure.chart");
        Assert.Equal(PageFixture.HostileName, await page.Page.Locator("h1.run-name").TextContentAsync());
        Assert.Equal(PageFixture.HostileMetric, await page.Page.Locator("figure.chart figcaption").TextContentAsync());
        await page.Page.Locator("details[data-key='hparams'] > summary").ClickAsync();

        // Opening a dict fetches its subtree: wait (bounded) for its children before reading the text; read at once,
        // a loaded CI machine saw only the summary ("hparams dict (3)").
        ILocator tree = page.Page.Locator("ul.tree").First;
        await tree.Filter(new LocatorFilterOptions { HasText = "note: " + PageFixture.HostileValue }).WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });
        Assert.Contains("note: " + PageFixture.HostileValue, await tree.TextContentAsync(), StringComparison.Ordinal);
        Assert.Contains("subset=<svg onload=alert(4)>", await page.Page.Locator("table.sequence-table").TextContentAsync(), StringComparison.Ordinal);

        // The legend under the cursor: the run's name and context as text.
        await page.Page.Locator("figure.chart canvas.overlay").HoverAsync(new LocatorHoverOptions { Position = new Position { X = 200, Y = 100 } });
        Assert.Equal(PageFixture.HostileName, await page.Page.Locator(".legend-row .legend-label").First.TextContentAsync());
        Assert.Equal(0, await page.Page.Locator(Injected).CountAsync());
        await page.ScreenshotAsync("hostile-run-page");
        Assert.Empty(page.Errors);
    }
}
