using AimLsm.Server;
using AimLsm.Tests.LsmDump;
using AimLsm.Tests.Streaming;
using AimLsm.Tree;
using Microsoft.Playwright;

namespace AimLsm.Tests.Frontend;

/// <summary>
/// One browser and one served fixture repo for the page's tests: five runs of two experiments with hparams and
/// loss (train, val) and accuracy, a run whose names and values are hostile markup, and a long run of
/// <see cref="LongSteps"/> steps for the zoom tests. Chromium is launched only when installed (tests that need it
/// are <see cref="BrowserFactAttribute"/>s).
/// </summary>
public sealed class PageFixture : IAsyncLifetime
{
    public const int Steps = 300;

    public const int LongSteps = 250_000;

    public const string HostileName = "<img src=x onerror=alert(1)>";

    public const string HostileValue = "<script>alert(2)</script>";

    public const string HostileMetric = "<b>loss</b>";

    private readonly StreamTestRepo _repo = new();
    private IPlaywright? _playwright;

    public Repo Repo => _repo.Repo;

    public AimServer Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The runs in creation order: five sweep runs, the hostile run, the long run.</summary>
    public List<string> Hashes { get; } = [];

    public string Hostile { get; private set; } = string.Empty;

    public string Long { get; private set; } = string.Empty;

    public static readonly Context Train = new() { ["subset"] = "train" };

    public static readonly Context Val = new() { ["subset"] = "val" };

    /// <summary>Where screenshots go: results/frontend under the source root (ignored by git).</summary>
    public static string ResultsFolder { get; } = Path.Combine(LsmDumpFixture.SourceRoot(), "results", "frontend");

    public async Task InitializeAsync()
    {
        double[] rates = [0.1, 0.03, 0.01, 0.003, 0.001];
        for (int i = 0; i < rates.Length; i++)
        {
            int index = i;
            Hashes.Add(AddRun(i < 3 ? "sweep" : "baseline", run =>
            {
                run.Name = $"run {index}";
                run["hparams"] = new Dictionary<string, object?> { ["lr"] = rates[index], ["batch"] = (long)(32 << (index % 3)), ["optimizer"] = index % 2 == 0 ? "adam" : "sgd" };
                Sequence train = run.GetSequence("loss", Train);
                Sequence val = run.GetSequence("loss", Val);
                Sequence accuracy = run.GetSequence("accuracy", Train);
                for (int step = 0; step < Steps; step++)
                {
                    train.Track(Loss(index, step), step: step, epoch: step / 100);
                    val.Track(Loss(index, step) + 0.1, step: step, epoch: step / 100);
                    accuracy.Track(1 - (Loss(index, step) / 3), step: step);
                }

                run.Track("a note", "notes", step: 0);
            }, tags: index == 0 ? ["best"] : null));
        }

        Hostile = AddRun("<i>exp</i>", run =>
        {
            run.Name = HostileName;
            run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.5, ["note"] = HostileValue, ["<u>key</u>"] = "<a href=javascript:alert(3)>x</a>" };
            Sequence hostile = run.GetSequence(HostileMetric, new Context { ["subset"] = "<svg onload=alert(4)>" });
            for (int step = 0; step < 50; step++)
            {
                hostile.Track(1.0 / (step + 1), step: step);
            }
        }, tags: ["<script>alert(5)</script>"]);
        Hashes.Add(Hostile);

        Long = AddRun("long", run =>
        {
            run.Name = "long run";
            run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.2 };
            Sequence sequence = run.GetSequence("long");
            for (int step = 0; step < LongSteps; step++)
            {
                sequence.Track(LongValue(step), step: step);
            }
        });
        Hashes.Add(Long);

        Server = await AimServer.StartAsync(Repo, new AimServerOptions { Port = 0 });
        if (Chromium.IsInstalled)
        {
            Directory.CreateDirectory(ResultsFolder);
            _playwright = await Playwright.CreateAsync();
            Browser = await _playwright.Chromium.LaunchAsync(Chromium.LaunchOptions);
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await Server.DisposeAsync();
        _repo.Dispose();
    }

    /// <summary>The loss of sweep run <paramref name="run"/> at a step.</summary>
    public static double Loss(int run, int step) => (2.0 * Math.Exp(-step / 80.0)) + (0.1 * run) + 0.2;

    /// <summary>The long run's value at a step: distinct per step, so a point read back names its step.</summary>
    public static double LongValue(long step) => Math.Sin(step / 1000.0) + (step * 1e-6);

    /// <summary>A new page (own context: own storage) on <paramref name="address"/> (the served page by default),
    /// failing the test on any error the page logs or throws.</summary>
    public async Task<BrowserPage> OpenAsync(string fragment = "", Uri? address = null)
    {
        IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        IPage page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        var page2 = new BrowserPage(context, page);
        await page.GotoAsync(new Uri(address ?? Server.Address, "/" + fragment).ToString());
        return page2;
    }

    private string AddRun(string experiment, Action<Run> fill, IEnumerable<string>? tags = null)
    {
        using Run run = Repo.CreateRun(experiment, tags: tags);
        fill(run);
        return run.Hash;
    }
}

/// <summary>A page and its context, with the errors it reported; disposing closes both.</summary>
public sealed class BrowserPage : IAsyncDisposable
{
    public BrowserPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.PageError += (_, error) => Errors.Add("page error: " + error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Errors.Add("console error: " + message.Text);
            }
        };
        page.Dialog += (_, dialog) =>
        {
            Errors.Add("dialog: " + dialog.Message);
            _ = dialog.DismissAsync();
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>Errors the page logged, threw, or dialogs it opened (an alert from injected markup would land here).</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Waits until the current view says it is done (<c>#view[data-done=true]</c>).</summary>
    public Task WaitDoneAsync() => Page.WaitForSelectorAsync("#view[data-done='true']");

    /// <summary>Saves a screenshot of the page as results/frontend/<paramref name="name"/>.png.</summary>
    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(PageFixture.ResultsFolder, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
    }
}
