using System.Text.Json;
using Microsoft.Playwright;

namespace AimLsm.Tests.Frontend;

/// <summary>The runs view in a real browser: the table equals the repo's runs, columns come and go, sorting, the
/// server's query error under the box with the offending span marked, and the last queries remembered.</summary>
[Collection("Page")]
public class RunsViewTests(PageFixture fixture)
{
    [BrowserFact]
    public async Task The_table_lists_every_run_of_the_repo_with_its_props()
    {
        await using BrowserPage page = await fixture.OpenAsync();
        await page.WaitDoneAsync();
        await page.ScreenshotAsync("runs");

        Assert.Equal(fixture.Hashes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), await page.Page.GetAttributeAsync("#runs-count", "data-count"));
        JsonElement rows = await page.Page.EvaluateAsync<JsonElement>("() => window.aimlsm.rows()");
        var byHash = rows.EnumerateArray().ToDictionary(r => r.GetProperty("hash").GetString()!);
        Assert.Equal(fixture.Hashes.Order(StringComparer.Ordinal), byHash.Keys.Order(StringComparer.Ordinal));
        foreach (string hash in fixture.Hashes)
        {
            using AimLsm.Tree.Run run = fixture.Repo.GetRun(hash);
            JsonElement row = byHash[hash];
            Assert.Equal(run.Name, row.GetProperty("name").GetString());
            Assert.Equal(run.Experiment, row.GetProperty("experiment").GetString());
            Assert.Equal(string.Join(", ", run.Tags), row.GetProperty("tags").GetString());
            Assert.Equal(run.Active, row.GetProperty("active").GetBoolean());
        }

        // The columns: the fixed ones, then hparams the user adds (and removes).
        Assert.Equal(["hash", "name", "experiment", "tags", "created", "duration", "active"], await ColumnsAsync(page.Page));
        await AddColumnAsync(page, "hparams.lr");
        await AddColumnAsync(page, "hparams.optimizer");
        Assert.Equal(["hash", "name", "experiment", "tags", "created", "duration", "active", "param:hparams.lr", "param:hparams.optimizer"], await ColumnsAsync(page.Page));
        string lr = await page.Page.Locator($".tr[data-hash='{fixture.Hashes[2]}'] .td").Nth(8).TextContentAsync() ?? "";
        Assert.Equal("0.01", lr);
        await page.Page.Locator(".th[data-column='param:hparams.optimizer'] button.remove").ClickAsync();
        Assert.Equal(["hash", "name", "experiment", "tags", "created", "duration", "active", "param:hparams.lr"], await ColumnsAsync(page.Page));

        // Sorting by lr, ascending then descending: the DOM's rows follow.
        await page.Page.Locator(".th[data-column='param:hparams.lr'] button.sort").ClickAsync();
        List<string> ascending = await RowHashesAsync(page.Page);
        Assert.Equal(fixture.Hashes[4], ascending[0]); // lr 0.001
        await page.Page.Locator(".th[data-column='param:hparams.lr'] button.sort").ClickAsync();
        List<string> descending = await RowHashesAsync(page.Page);
        Assert.Equal(fixture.Hashes[5], descending[0]); // the hostile run, lr 0.5
        Assert.Empty(page.Errors);
    }

    [BrowserFact]
    public async Task A_query_narrows_the_table_and_is_remembered()
    {
        await using BrowserPage page = await fixture.OpenAsync();
        await page.WaitDoneAsync();
        await SearchAsync(page, "run.experiment == 'sweep' and run.hparams.lr < 0.05");
        Assert.Equal(new[] { fixture.Hashes[1], fixture.Hashes[2] }.Order(StringComparer.Ordinal), (await RowHashesAsync(page.Page)).Order(StringComparer.Ordinal));
        Assert.Equal("2", await page.Page.GetAttributeAsync("#runs-count", "data-count"));

        // Remembered: offered in the box's list, and in the URL.
        Assert.Equal("run.experiment == 'sweep' and run.hparams.lr < 0.05", await page.Page.Locator("select.history option").Nth(1).GetAttributeAsync("value"));
        Assert.Contains("q=run.experiment", Uri.UnescapeDataString(page.Page.Url).Replace('+', ' '), StringComparison.Ordinal);
        Assert.Empty(page.Errors);
    }

    [BrowserFact]
    public async Task A_bad_query_shows_the_servers_message_with_the_offending_span_marked()
    {
        await using BrowserPage page = await fixture.OpenAsync();
        await page.WaitDoneAsync();

        // A name AimQL does not allow: the 400's line and columns mark exactly it.
        const string query = "run.hparams.lr > 0 and __import__('os')";
        await page.Page.FillAsync("textarea.query", query);
        await page.Page.Locator("textarea.query").PressAsync("Enter");
        await page.Page.WaitForSelectorAsync("#view[data-done='error']");
        await page.ScreenshotAsync("runs-query-error");
        string message = await page.Page.Locator(".query-error .message").TextContentAsync() ?? "";
        Assert.StartsWith("NameError", message, StringComparison.Ordinal);
        Assert.Contains("(line 1, column 24)", message, StringComparison.Ordinal);
        Assert.Equal(query, await page.Page.Locator(".query-error pre.statement").TextContentAsync());
        Assert.Equal("__import__", await page.Page.Locator(".query-error mark").TextContentAsync());

        // A syntax error at the end of the query marks the place after the last character.
        await page.Page.FillAsync("textarea.query", "run.hparams.lr >");
        await page.Page.Locator("textarea.query").PressAsync("Enter");
        await page.Page.WaitForSelectorAsync(".query-error .message >> text=SyntaxError");
        Assert.Equal("16", await page.Page.Locator(".query-error mark").GetAttributeAsync("data-start"));
        Assert.DoesNotContain(page.Errors, e => !e.Contains("400", StringComparison.Ordinal));
    }

    [BrowserFact]
    public async Task A_two_line_query_runs_on_Enter_and_its_error_is_marked_on_its_second_line()
    {
        await using BrowserPage page = await fixture.OpenAsync();
        await page.WaitDoneAsync();

        // Shift+Enter adds a line; Enter runs the query.
        ILocator box = page.Page.Locator("textarea.query");
        await box.FillAsync("run.hparams.lr > 0");
        await box.PressAsync("End");
        await box.PressAsync("Shift+Enter");
        await box.PressSequentiallyAsync("and __import__('os')");
        Assert.Equal("run.hparams.lr > 0\nand __import__('os')", await box.InputValueAsync());
        Assert.Equal("2", await box.GetAttributeAsync("rows"));
        await box.PressAsync("Enter");
        await page.Page.WaitForSelectorAsync("#view[data-done='error']");
        await page.ScreenshotAsync("runs-query-error-line-2");

        // The message names line 2; the whole query is shown, and the mark is on its second line, on exactly the name.
        Assert.Equal("run.hparams.lr > 0\nand __import__('os')", await box.InputValueAsync());
        string message = await page.Page.Locator(".query-error .message").TextContentAsync() ?? "";
        Assert.Contains("(line 2, column 5)", message, StringComparison.Ordinal);
        Assert.Equal("run.hparams.lr > 0\nand __import__('os')", await page.Page.Locator(".query-error pre.statement").TextContentAsync());
        ILocator mark = page.Page.Locator(".query-error mark");
        Assert.Equal("__import__", await mark.TextContentAsync());
        Assert.Equal("2", await mark.GetAttributeAsync("data-line"));
        Assert.Equal("4", await mark.GetAttributeAsync("data-start"));
        string before = await page.Page.EvaluateAsync<string>("() => { const m = document.querySelector('.query-error mark'); const r = document.createRange(); r.setStart(m.parentNode, 0); r.setEndBefore(m); return r.toString(); }");
        Assert.Equal("run.hparams.lr > 0\nand ", before);
        Assert.DoesNotContain(page.Errors, e => !e.Contains("400", StringComparison.Ordinal));
    }

    [BrowserFact]
    public async Task The_run_search_sends_only_the_params_of_the_columns_and_an_added_column_is_searched_again()
    {
        await using BrowserPage page = await fixture.OpenAsync();
        await page.WaitDoneAsync();
        var requests = new List<string>();
        page.Page.Request += (_, request) => requests.Add(request.Url);

        // No param column: no params sent. Every param of every run is offered as a column all the same.
        JsonElement before = await RowParamsAsync(page.Page);
        Assert.Equal(fixture.Hashes.Count, before.GetArrayLength());
        Assert.All(before.EnumerateArray(), r => Assert.Empty(r.GetProperty("params").EnumerateObject()));
        await page.Page.WaitForSelectorAsync("#add-column[data-ready='true']");
        string[] offered = await page.Page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#add-column option')].map((o) => o.value).filter((v) => v)");
        Assert.Contains("hparams.lr", offered);
        Assert.Contains("hparams.batch", offered);
        Assert.Contains("hparams.<u>key</u>", offered);

        // Adding lr searches again with params=hparams.lr: each row then holds lr, and nothing else.
        await AddColumnAsync(page, "hparams.lr");
        Assert.Contains(requests, u => u.Contains("/api/runs/search/run?", StringComparison.Ordinal) && Uri.UnescapeDataString(u).Contains("params=hparams.lr", StringComparison.Ordinal));
        JsonElement after = await RowParamsAsync(page.Page);
        JsonElement third = after.EnumerateArray().Single(r => r.GetProperty("hash").GetString() == fixture.Hashes[2]);
        Assert.Equal(0.01, third.GetProperty("params").GetProperty("hparams").GetProperty("lr").GetDouble());
        Assert.Equal(["lr"], third.GetProperty("params").GetProperty("hparams").EnumerateObject().Select(p => p.Name));
        Assert.Empty(page.Errors);
    }

    /// <summary>Each row's hash and params (as JSON text: the decoder's dicts have no prototype, which Playwright drops).</summary>
    private static async Task<JsonElement> RowParamsAsync(IPage page) =>
        JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.aimlsm.rows().map((r) => ({ hash: r.hash, params: r.params })))")).RootElement.Clone();

    /// <summary>Adds a param column once the list of columns is filled, and waits for the search it starts.</summary>
    private static async Task AddColumnAsync(BrowserPage page, string path)
    {
        await page.Page.WaitForSelectorAsync("#add-column[data-ready='true']");
        await page.Page.EvaluateAsync("() => { document.getElementById('view').dataset.done = ''; }");
        await page.Page.SelectOptionAsync("#add-column", path);
        await page.WaitDoneAsync();
    }

    private static async Task SearchAsync(BrowserPage page, string query)
    {
        await page.Page.EvaluateAsync("() => { document.getElementById('view').dataset.done = ''; }");
        await page.Page.FillAsync("textarea.query", query);
        await page.Page.Locator("textarea.query").PressAsync("Enter");
        await page.WaitDoneAsync();
    }

    private static async Task<List<string>> ColumnsAsync(IPage page) =>
        [.. await page.EvaluateAsync<string[]>("() => window.aimlsm.columns()")];

    private static async Task<List<string>> RowHashesAsync(IPage page) =>
        [.. await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('.tbody .tr')].map((r) => r.dataset.hash)")];
}
