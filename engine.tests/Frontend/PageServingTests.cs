using System.IO.Pipelines;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AimLsm.Server;
using AimLsm.Streaming;

namespace AimLsm.Tests.Frontend;

/// <summary>
/// How the page is served, without a browser: embedded files with the Content-Security-Policy, no inline script or
/// markup from strings in the sources, the host check in front of the page too, no write endpoint, the assets'
/// size, and <c>/api/runs/search/points</c>.
/// </summary>
[Collection("Page")]
public partial class PageServingTests(PageFixture fixture)
{
    private static readonly Assembly ServerAssembly = typeof(AimServer).Assembly;

    [Fact]
    public async Task The_page_is_served_at_the_root_with_a_policy_that_allows_only_this_servers_scripts()
    {
        using var client = new HttpClient { BaseAddress = fixture.Server.Address };
        using HttpResponseMessage response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        string policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("http", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());

        // Every module and style sheet the page loads is served, with its ETag; a revalidation is a 304.
        foreach (string path in new[] { "/ui/js/app.js", "/ui/js/decoder.js", "/ui/app.css" })
        {
            using HttpResponseMessage file = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, file.StatusCode);
            using var again = new HttpRequestMessage(HttpMethod.Get, path);
            again.Headers.IfNoneMatch.Add(file.Headers.ETag!);
            using HttpResponseMessage revalidated = await client.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
        }

        using HttpResponseMessage missing = await client.GetAsync("/ui/js/nope.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task HEAD_on_the_page_and_its_files_answers_as_GET_does_without_a_body()
    {
        using var client = new HttpClient { BaseAddress = fixture.Server.Address };
        foreach (string path in new[] { "/", "/ui/js/app.js", "/ui/app.css", "/ui/favicon.svg", "/ui/js/nope.js" })
        {
            using HttpResponseMessage get = await client.GetAsync(path);
            using HttpResponseMessage head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
            Assert.Equal(get.StatusCode, head.StatusCode);
            Assert.Equal(get.Content.Headers.ContentType?.ToString(), head.Content.Headers.ContentType?.ToString());
            Assert.Equal(get.Content.Headers.ContentLength, head.Content.Headers.ContentLength);
            Assert.Equal(get.Headers.ETag, head.Headers.ETag);
            Assert.Equal(get.Headers.GetValues("Content-Security-Policy"), head.Headers.GetValues("Content-Security-Policy"));
            Assert.True(get.Content.Headers.ContentLength > 0, $"GET {path} has no length");

            // On the wire: the headers, then nothing (HttpClient would hide a body sent after a HEAD).
            byte[] raw = await RawAsync($"HEAD {path} HTTP/1.1\r\nHost: {fixture.Server.Address.Authority}\r\nConnection: close\r\n\r\n");
            int end = raw.AsSpan().IndexOf("\r\n\r\n"u8);
            Assert.True(end > 0, $"HEAD {path}: no end of headers in {System.Text.Encoding.ASCII.GetString(raw)}");
            Assert.Equal(end + 4, raw.Length);
        }
    }

    /// <summary>Sends <paramref name="request"/> as it is and reads the answer until the server closes (5 s at most).</summary>
    private async Task<byte[]> RawAsync(string request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(fixture.Server.Address.Host, fixture.Server.Address.Port, timeout.Token);
        await using System.Net.Sockets.NetworkStream stream = socket.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request), timeout.Token);
        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer, timeout.Token);
        return answer.ToArray();
    }

    [Fact]
    public async Task The_host_check_guards_the_page_and_nothing_writes()
    {
        using var client = new HttpClient { BaseAddress = fixture.Server.Address };
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/");
        rebound.Headers.Host = "attacker.example";
        using HttpResponseMessage refused = await client.SendAsync(rebound);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        foreach (string path in new[] { "/", "/api/runs/search/run", $"/api/runs/{fixture.Hashes[0]}", "/ui/js/app.js" })
        {
            foreach (HttpMethod method in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch })
            {
                using HttpResponseMessage response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent("{}") });
                Assert.False(response.IsSuccessStatusCode, $"{method} {path} answered {response.StatusCode}");
            }
        }
    }

    [Fact]
    public void The_sources_build_no_markup_from_strings_and_the_html_has_no_inline_script_or_style()
    {
        Dictionary<string, string> files = EmbeddedFiles();
        Assert.Contains("js/decoder.js", files.Keys);
        foreach ((string path, string text) in files.Where(f => f.Key.EndsWith(".js", StringComparison.Ordinal)))
        {
            Match bad = MarkupSinks().Match(text);
            Assert.False(bad.Success, $"{path} uses {bad.Value}");
        }

        string html = files["index.html"];
        Assert.DoesNotMatch(@"<script(?![^>]*\ssrc=)", html);
        Assert.DoesNotMatch(@"\son[a-z]+\s*=", html);
        Assert.DoesNotMatch(@"\sstyle\s*=", html);
        Assert.DoesNotMatch("<style", html);
    }

    [Fact]
    public void The_page_assets_weigh_under_300_KB()
    {
        long total = EmbeddedFiles().Sum(f => (long)System.Text.Encoding.UTF8.GetByteCount(f.Value));
        Assert.InRange(total, 1, 300 * 1024);
    }

    [Fact]
    public async Task The_points_endpoint_streams_every_point_of_the_range_in_chunks_or_refuses_too_many()
    {
        using var client = new HttpClient { BaseAddress = fixture.Server.Address };
        string query = Uri.EscapeDataString("metric.name == 'long'");
        using HttpResponseMessage response = await client.GetAsync($"/api/runs/search/points?q={query}&record_range=1000:31000", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var steps = new List<double>();
        int pieces = 0;
        await foreach (StreamedRun run in AimStreamReader.ReadRunsAsync(PipeReader.Create(await response.Content.ReadAsStreamAsync())))
        {
            Assert.Equal(fixture.Long, run.Hash);
            foreach (StreamedTrace trace in run.Traces)
            {
                pieces++;
                steps.AddRange(trace.Steps.Select(s => (double)s));
            }
        }

        Assert.Equal(Enumerable.Range(1000, 30_000).Select(s => (double)s), steps);
        Assert.True(pieces >= 3, $"{pieces} pieces: the range should come in chunks of 10,000 points");

        await using AimServer capped = await AimServer.StartAsync(fixture.Repo, new AimServerOptions { Port = 0, MaxFullDensityPoints = 29_999 });
        using var cappedClient = new HttpClient { BaseAddress = capped.Address };
        using HttpResponseMessage refused = await cappedClient.GetAsync($"/api/runs/search/points?q={query}&record_range=1000:31000");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        JsonElement body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("TooManyPoints", body.GetProperty("message").GetString());
        Assert.Equal(30_000, body.GetProperty("detail").GetProperty("points").GetInt64());
    }

    [Fact]
    public async Task A_run_search_with_traces_none_sends_the_runs_without_their_metrics_metadata()
    {
        using var client = new HttpClient { BaseAddress = fixture.Server.Address };
        using HttpResponseMessage response = await client.GetAsync("/api/runs/search/run?q=&traces=none", HttpCompletionOption.ResponseHeadersRead);
        var runs = new List<StreamedRun>();
        await foreach (StreamedRun run in AimStreamReader.ReadRunsAsync(PipeReader.Create(await response.Content.ReadAsStreamAsync())))
        {
            runs.Add(run);
        }

        Assert.Equal(fixture.Hashes.Order(StringComparer.Ordinal), runs.Select(r => r.Hash).Order(StringComparer.Ordinal));
        Assert.All(runs, r => Assert.Empty(r.Traces));
        Assert.Equal("run 0", runs.Single(r => r.Hash == fixture.Hashes[0]).Props!["name"]);

        using HttpResponseMessage bad = await client.GetAsync("/api/runs/search/run?traces=images");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("\"traces\"", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static Dictionary<string, string> EmbeddedFiles()
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string name in ServerAssembly.GetManifestResourceNames().Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(ServerAssembly.GetManifestResourceStream(name)!);
            files[name["wwwroot/".Length..]] = reader.ReadToEnd();
        }

        return files;
    }

    /// <summary>Ways to turn a string into markup or code.</summary>
    [GeneratedRegex(@"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|new\s+Function\b|setTimeout\s*\(\s*[""'`]|setInterval\s*\(\s*[""'`]|createContextualFragment|srcdoc")]
    private static partial Regex MarkupSinks();
}
