using System.CommandLine;
using AimLsm.Bench.Cli;
using System.Diagnostics;
using System.Globalization;
using AimLsm.Bench.Query;
using AimLsm.Server;
using AimLsm.Tree;
using Microsoft.Playwright;

namespace AimLsm.Bench.Frontend;

/// <summary>
/// The page's speed in a real browser (issue 17, "Speed"), measured, not asserted: Debian's chromium driven by
/// Playwright against aim-server on loopback. Times are taken inside the page (performance.now) from the start of the
/// request to what the page reports: the runs table complete, a chart's first and last draw, the end of a
/// full-density zoom; the long-task observer gives the longest task the main thread ran meanwhile.
/// </summary>
internal static class FrontendCommand
{
    public static Command Create()
    {
        var repeat = BenchArgs.Int("--repeat", "Measurements per figure (median and worst reported)", 5);
        var only = BenchArgs.Choice("--only", "PART", "Measure that part only (default: all)", ["runs", "charts", "zoom"]);
        var runsRepo = BenchArgs.Text("--runs-repo", "DIR", "The query bench's repo of 10,000 runs (built there when absent; default: a temp folder)");
        var longSteps = BenchArgs.Long("--long-steps", "Points of the long sequence zoomed into", 1_000_000, min: 2);
        var diagnose = BenchArgs.Flag("--diagnose", "Runs view: print the browser's CPU by process type and the top JavaScript frames of one more search (CDP Profiler)");
        var command = new Command("frontend",
            "aim-server's page in Debian's chromium: runs view, charts, a 1,000,000-step zoom; needs /usr/bin/chromium (apt-get install -y chromium)")
        {
            repeat, only, runsRepo, longSteps, diagnose,
        };
        command.SetAction(parse => Run(parse.GetValue(repeat), parse.GetValue(only), parse.GetValue(runsRepo), parse.GetValue(longSteps), parse.GetValue(diagnose)));
        return command;
    }

    private static int Run(int repeat, string? only, string? runsRepo, long longSteps, bool diagnose)
    {
        if (!File.Exists("/usr/bin/chromium"))
        {
            Console.Error.WriteLine("frontend: /usr/bin/chromium is missing (apt-get install -y chromium).");
            return 2;
        }

        return RunAsync(repeat, runsRepo, longSteps, only, diagnose).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int repeat, string? runsRepo, long longSteps, string? only, bool diagnose)
    {
        string temp = Path.Combine(Path.GetTempPath(), "aimlsm-frontend-bench-" + Environment.ProcessId);
        string runsPath = runsRepo ?? Path.Combine(temp, "runs");
        string metricsPath = Path.Combine(temp, "metrics");
        try
        {
            Directory.CreateDirectory(temp);
            if (only is null or "runs" && !File.Exists(Path.Combine(runsPath, Repo.MarkerFileName)))
            {
                QueryCommand.Build(runsPath, 10_000);
            }

            if (only is null or "charts" or "zoom")
            {
                BuildMetrics(metricsPath, longSteps);
            }


            using IPlaywright playwright = await Playwright.CreateAsync();
            await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
            });

            Console.WriteLine("| figure | target | median | worst | detail |");
            Console.WriteLine("| --- | ---: | ---: | ---: | --- |");
            Console.WriteLine($"load average before: {LoadAverage()}");
            if (only is null or "runs")
            {
                using Repo repo = Repo.OpenReadOnly(runsPath);
                await using AimServer server = await AimServer.StartAsync(repo, new AimServerOptions { Port = 0 });
                await RunsViewAsync(browser, server.Address, repeat, diagnose);
            }

            if (only is null or "charts" or "zoom")
            {
                using Repo repo = Repo.OpenReadOnly(metricsPath);
                await using AimServer server = await AimServer.StartAsync(repo, new AimServerOptions { Port = 0 });
                if (only is null or "charts")
                {
                    await ChartsAsync(browser, server.Address, repeat);
                }

                if (only is null or "zoom")
                {
                    await ZoomAsync(browser, server.Address, only is null ? Math.Max(1, repeat / 2) : repeat, longSteps);
                }
            }

            Console.WriteLine($"load average after: {LoadAverage()}");

            long assets = typeof(AimServer).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal))
                .Sum(n => typeof(AimServer).Assembly.GetManifestResourceStream(n)!.Length);
            Console.WriteLine($"| page assets (no chart library: our own canvas renderer) | 300 KB | {assets / 1024.0:F1} KB | | uncompressed |");
            return 0;
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    /// <summary>100 runs x loss in 2 contexts x 500 steps, and one run with a sequence of <paramref name="longSteps"/> steps.</summary>
    private static void BuildMetrics(string path, long longSteps)
    {
        var clock = Stopwatch.StartNew();
        using Repo repo = Repo.Open(path);
        var contexts = new[] { new Context { ["subset"] = "train" }, new Context { ["subset"] = "val" } };
        for (int r = 0; r < 100; r++)
        {
            using Run run = repo.CreateRun("sweep", name: $"run-{r}");
            run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.001 * (r + 1), ["seed"] = (long)r };
            foreach (Context context in contexts)
            {
                Sequence loss = run.GetSequence("loss", context);
                for (int step = 0; step < 500; step++)
                {
                    loss.Track((2.0 * Math.Exp(-step / 120.0)) + (r * 0.01) + (context["subset"] is "val" ? 0.1 : 0), step: step);
                }
            }
        }

        using (Run run = repo.CreateRun("long", name: "long"))
        {
            Sequence sequence = run.GetSequence("long");
            for (long step = 0; step < longSteps; step++)
            {
                sequence.Track(Math.Sin(step / 5000.0) + (step * 1e-7), step: step);
            }
        }

        repo.Flush();
        Console.WriteLine($"built 100 runs x 2 contexts x 500 points and one run of {longSteps:N0} points in {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task<IPage> OpenAsync(IBrowser browser, Uri address, string fragment)
    {
        IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        IPage page = await context.NewPageAsync();
        page.SetDefaultTimeout(120_000);

        // The long-task observer, installed before the page's own scripts.
        await page.AddInitScriptAsync("""
            window.__longTasks = [];
            new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
              .observe({ type: 'longtask', buffered: true });
            """);
        await page.GotoAsync(new Uri(address, "/" + fragment).ToString());
        return page;
    }

    /// <summary>All 10,000 runs in the table: from submitting the query to the table's count and every row in place.</summary>
    private static async Task RunsViewAsync(IBrowser browser, Uri address, int repeat, bool diagnose)
    {
        // First the server alone, which also warms it up as a server that has been up a while is (its code tiered up by
        // the JIT, which otherwise competes with the browser for the two cores): the same request read to its end by
        // HttpClient, not decoded.
        var search = new Uri(address, "/api/runs/search/run?q=&traces=none&params=none&props=name,experiment.name,tags.name,creation_time,end_time,active&report_progress=false"); // what the page asks for with no param column (runs.js)
        using var http = new HttpClient();
        var server = new List<double>();
        long bytes = 0;
        for (int i = 0; i < repeat + 3; i++)
        {
            var clock = Stopwatch.StartNew();
            using HttpResponseMessage response = await http.GetAsync(search, HttpCompletionOption.ResponseHeadersRead);
            await using System.IO.Stream body = await response.Content.ReadAsStreamAsync();
            bytes = 0;
            byte[] buffer = new byte[64 * 1024];
            for (int read; (read = await body.ReadAsync(buffer)) > 0;)
            {
                bytes += read;
            }

            if (i >= 3)
            {
                server.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        Report("runs view, the server alone: the run search read to its end (HttpClient)", "", server, $"{bytes / 1e6:F1} MB");

        IPage page = await OpenAsync(browser, address, "#/runs");
        await page.WaitForSelectorAsync("#view[data-done='true']");

        // The first search's end asks for every run's params (the columns one may add; at most every 30 s): wait for
        // it, or the measured searches would share the server with it, which a person typing a query does not.
        await page.WaitForSelectorAsync("#add-column[data-ready]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        var times = new List<double>();
        string count = "";
        if (diagnose) Console.WriteLine($"browser CPU by process type so far: {ProcessTreeCpu.ByType()}");
        (double self0, double browser0) = ProcessTreeCpu.Now();

        for (int i = 0; i < repeat; i++)
        {
            await page.EvaluateAsync("() => { document.getElementById('view').dataset.done = ''; }");
            double started = await page.EvaluateAsync<double>("() => performance.now()");
            await page.Locator(".query").PressAsync("Enter");
            await page.WaitForSelectorAsync("#view[data-done='true']");
            double ended = await page.EvaluateAsync<double>("() => performance.now()");
            times.Add(ended - started);
            count = await page.GetAttributeAsync("#runs-count", "data-count") ?? "";
        }

        (double self1, double browser1) = ProcessTreeCpu.Now();
        if (diagnose)
        {
            await JsProfileAsync(page);
        }
        if (diagnose) Console.WriteLine($"browser CPU by process type so far: {ProcessTreeCpu.ByType()}");

        // Every row reachable: scroll to the bottom and read the last row's index.
        await page.EvaluateAsync("() => { const s = document.getElementById('runs-table'); s.scrollTop = s.scrollHeight; }");
        await page.WaitForTimeoutAsync(100);
        string lastIndex = await page.EvaluateAsync<string>("() => [...document.querySelectorAll('.tbody .tr')].pop()?.dataset.index ?? ''");
        double longest = await LongestTaskAsync(page);
        Report("runs view: 10,000 runs in the table", "1000 ms", times, $"count {count}, last row reached by scrolling: #{lastIndex}; longest task {longest:F0} ms; "
            + $"CPU per query: server and bench {(self1 - self0) / repeat:F0} ms, browser {(browser1 - browser0) / repeat:F0} ms");


        // The page alone: the page's decoder over the same bytes, already in memory, in 64 KB pieces as a fetch reads them.
        var decode = new List<double>();
        for (int i = 0; i < repeat; i++)
        {
            decode.Add(await page.EvaluateAsync<double>("""
                async (url) => {
                  const { StreamDecoder } = await import('/ui/js/decoder.js');
                  const bytes = new Uint8Array(await (await fetch(url, { cache: 'no-store' })).arrayBuffer());
                  const started = performance.now();
                  let runs = 0;
                  const decoder = new StreamDecoder((o) => { if (o.kind === 'data') runs++; });
                  for (let at = 0; at < bytes.length; at += 65536) decoder.push(bytes.subarray(at, Math.min(at + 65536, bytes.length)));
                  decoder.end();
                  if (runs !== 10000) throw new Error(`decoded ${runs} runs`);
                  return performance.now() - started;
                }
                """, search.PathAndQuery));
        }

        Report("runs view, the page's decoder alone over the bytes in memory", "", decode, "10,000 run objects");
        await page.Context.DisposeAsync();
    }

    /// <summary>One more search under the CDP Profiler: the JavaScript frames with the most self time (idle and
    /// "(program)", chromium's own work on the main thread, included).</summary>
    private static async Task JsProfileAsync(IPage page)
    {
        ICDPSession cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Profiler.enable");
        await cdp.SendAsync("Profiler.setSamplingInterval", new Dictionary<string, object> { ["interval"] = 200 });
        await cdp.SendAsync("Profiler.start");
        await page.EvaluateAsync("() => { document.getElementById('view').dataset.done = ''; }");
        await page.Locator(".query").PressAsync("Enter");
        await page.WaitForSelectorAsync("#view[data-done='true']");
        System.Text.Json.JsonElement? result = await cdp.SendAsync("Profiler.stop");
        System.Text.Json.JsonElement prof = result!.Value.GetProperty("profile");
        var names = new Dictionary<int, string>();
        foreach (System.Text.Json.JsonElement n in prof.GetProperty("nodes").EnumerateArray())
        {
            System.Text.Json.JsonElement cf = n.GetProperty("callFrame");
            names[n.GetProperty("id").GetInt32()] = $"{cf.GetProperty("functionName").GetString()} {System.IO.Path.GetFileName(cf.GetProperty("url").GetString())}:{cf.GetProperty("lineNumber").GetInt32()}";
        }
        var self = new Dictionary<string, double>();
        var samples = prof.GetProperty("samples").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var deltas = prof.GetProperty("timeDeltas").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int k = 1; k < samples.Length; k++)
        {
            string name = names[samples[k - 1]];
            self[name] = self.GetValueOrDefault(name) + deltas[k] / 1000.0;
        }
        foreach (var kv in self.OrderByDescending(kv => kv.Value).Take(25))
        {
            Console.WriteLine($"  JavaScript self time {kv.Value,8:F1} ms  {kv.Key}");
        }
    }

    /// <summary>The 1-, 5- and 15-minute load averages (Linux), to state how loaded the shared machine was.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>100 runs x 2 contexts x 500 points: first lines on screen, and all of them.</summary>
    private static async Task ChartsAsync(IBrowser browser, Uri address, int repeat)
    {
        // Warm the server up first, as one that has been up a while is (the first search of a fresh process runs its
        // code cold and then competes with the JIT's tier-up): the page's request, read to its end three times.
        using (var http = new HttpClient())
        {
            for (int i = 0; i < 3; i++)
            {
                _ = await http.GetByteArrayAsync(new Uri(address, "/api/runs/search/metric?q=metric.name%20%3D%3D%20'loss'&p=500"));
            }
        }

        var first = new List<double>();
        var all = new List<double>();
        string lines = "";
        for (int i = 0; i < repeat; i++)
        {
            IPage page = await OpenAsync(browser, address, "#/metrics?q=metric.name%20%3D%3D%20'loss'");
            await page.WaitForSelectorAsync("#view[data-done='true']");
            await page.WaitForTimeoutAsync(50); // the last animation frame's draw
            double started = double.Parse(await page.GetAttributeAsync("#view", "data-started-at") ?? "0", CultureInfo.InvariantCulture);
            double firstDraw = double.Parse(await page.GetAttributeAsync("figure.chart", "data-first-draw-at") ?? "0", CultureInfo.InvariantCulture);
            double lastDraw = double.Parse(await page.GetAttributeAsync("figure.chart", "data-last-draw-at") ?? "0", CultureInfo.InvariantCulture);
            first.Add(firstDraw - started);
            all.Add(lastDraw - started);
            lines = $"{await page.GetAttributeAsync("figure.chart", "data-lines")} lines, {await page.GetAttributeAsync("figure.chart", "data-points")} points";
            await page.Context.DisposeAsync();
        }

        Report("metrics: first chunk's lines on screen", "300 ms", first, lines);
        Report("metrics: 100 runs x 2 contexts x 500 points drawn", "1500 ms", all, lines);
    }

    /// <summary>The long sequence zoomed to its whole range: every point streamed and drawn progressively.</summary>
    private static async Task ZoomAsync(IBrowser browser, Uri address, int repeat, long steps)
    {
        var times = new List<double>();
        var longest = new List<double>();
        string detail = "";
        for (int i = 0; i < repeat; i++)
        {
            IPage page = await OpenAsync(browser, address, $"#/metrics?q=metric.name%20%3D%3D%20'long'&zoom=0:{steps}");
            await page.WaitForSelectorAsync("#view[data-done='true']");
            await page.WaitForTimeoutAsync(50);
            double started = double.Parse(await page.GetAttributeAsync("#view", "data-started-at") ?? "0", CultureInfo.InvariantCulture);
            double lastDraw = double.Parse(await page.GetAttributeAsync("figure.chart", "data-last-draw-at") ?? "0", CultureInfo.InvariantCulture);
            times.Add(lastDraw - started);
            longest.Add(await LongestTaskAsync(page));
            detail = $"{await page.GetAttributeAsync("#view", "data-mode")} endpoint, {await page.GetAttributeAsync("figure.chart", "data-points")} points in {await page.GetAttributeAsync("figure.chart", "data-draws")} draws";
            await page.Context.DisposeAsync();
        }

        Report($"zoom: {steps:N0} steps at full density, streamed and drawn", "-", times, detail);
        Report("zoom: longest main-thread task meanwhile", "200 ms", longest, "PerformanceObserver 'longtask' (tasks over 50 ms)");
    }

    private static Task<double> LongestTaskAsync(IPage page) =>
        page.EvaluateAsync<double>("() => window.__longTasks.length ? Math.max(...window.__longTasks) : 0");

    private static void Report(string figure, string target, List<double> values, string detail)
    {
        values.Sort();
        Console.WriteLine($"| {figure} | {target} | {values[values.Count / 2]:F0} ms | {values[^1]:F0} ms | {detail} |");
    }
}

/// <summary>
/// CPU time (user + system) of this process and of every process below it (Playwright's driver, chromium's browser,
/// network, GPU and renderer processes), from /proc: on the shared 2-core machine wall time moves with the load, the
/// CPU a figure costs much less, so the bench reports both.
/// </summary>
internal static class ProcessTreeCpu
{
    /// <summary>CPU milliseconds of every chromium process (and Playwright's node driver) grouped by chromium's
    /// <c>--type</c> (renderer, gpu-process, the network service...), since each started.</summary>
    public static string ByType()
    {
        var by = new Dictionary<string, long>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
            {
                continue;
            }

            try
            {
                string cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (!cmd.Contains("chromium", StringComparison.Ordinal))
                {
                    continue;
                }

                int t = cmd.IndexOf("--type=", StringComparison.Ordinal);
                string type = t < 0 ? "browser" : cmd[(t + 7)..].Split(' ')[0];
                int u = cmd.IndexOf("--utility-sub-type=", StringComparison.Ordinal);
                if (u >= 0)
                {
                    type = cmd[(u + 19)..].Split(' ')[0];
                }

                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                string[] rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                by[type] = by.GetValueOrDefault(type) + long.Parse(rest[11]) + long.Parse(rest[12]);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return string.Join("; ", by.Select(kv => $"{kv.Key}={kv.Value * 10}ms"));
    }

    /// <summary>(this process, its descendants) in milliseconds; zeros where /proc is absent.</summary>
    public static (double Self, double Children) Now()
    {
        if (!Directory.Exists("/proc"))
        {
            return (0, 0);
        }

        int self = Environment.ProcessId;
        var parent = new Dictionary<int, int>();
        var ticks = new Dictionary<int, long>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }

            try
            {
                // Fields after the ")" that closes the command name: state, ppid, ..., utime (14th field), stime (15th).
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                string[] rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parent[pid] = int.Parse(rest[1], CultureInfo.InvariantCulture);
                ticks[pid] = long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        long children = 0;
        foreach ((int pid, long t) in ticks)
        {
            for (int p = parent.GetValueOrDefault(pid); p > 1; p = parent.GetValueOrDefault(p))
            {
                if (p == self)
                {
                    children += t;
                    break;
                }
            }
        }

        const double msPerTick = 10; // USER_HZ is 100 on Linux
        return (ticks.GetValueOrDefault(self) * msPerTick, children * msPerTick);
    }
}
