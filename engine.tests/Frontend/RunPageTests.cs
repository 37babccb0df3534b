namespace AimLsm.Tests.Frontend;

/// <summary>The run page: props, the params tree opened on demand, every sequence with its metadata, object
/// sequences listed with the note that viewing them comes later, and the run's charts.</summary>
[Collection("Page")]
public class RunPageTests(PageFixture fixture)
{
    [BrowserFact]
    public async Task The_run_page_shows_props_params_sequences_and_charts()
    {
        string hash = fixture.Hashes[0];
        await using BrowserPage page = await fixture.OpenAsync($"#/run/{hash}");
        await page.WaitDoneAsync();
        await page.Page.WaitForSelectorAsync("figure.chart[data-title='loss'][data-lines='2']");
        Assert.Equal("run 0", await page.Page.Locator("h1.run-name").TextContentAsync());
        Assert.Contains("best", await page.Page.Locator("table.props").TextContentAsync(), StringComparison.Ordinal);

        // The tree is built when opened.
        Assert.Equal(0, await page.Page.Locator("details[data-key='hparams'] li").CountAsync());
        await page.Page.Locator("details[data-key='hparams'] > summary").ClickAsync();
        Assert.Equal(["batch: 32", "lr: 0.1", "optimizer: adam"], (await page.Page.Locator("details[data-key='hparams'] li.leaf").AllTextContentsAsync()).Order(StringComparer.Ordinal));

        // Metrics with their metadata; the str sequence under "other", listed and not hidden.
        Assert.Equal(3, await page.Page.Locator("table.sequence-table[data-type='metric'] tbody tr").CountAsync());
        string[] train = [.. await page.Page.Locator("table.sequence-table[data-type='metric'] tbody tr[data-name='accuracy'] td").AllTextContentsAsync()];
        Assert.Equal(["accuracy", "subset=train", "float", "300", "0", "299"], train[..6]);
        Assert.Equal(1, await page.Page.Locator("table.sequence-table[data-type='other'] tbody tr").CountAsync());
        Assert.Contains("left for a later issue", await page.Page.Locator("p.later").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal("2", await page.Page.GetAttributeAsync("#charts", "data-charts"));
        await page.ScreenshotAsync("run-page");
        Assert.Empty(page.Errors);
    }
}
