using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AimLsm.Encoding;
using AimLsm.Remote;
using AimLsm.Server;
using AimLsm.Server.Http;
using AimLsm.Tests.Remote;
using AimLsm.Tests.Testing;
using AimLsm.Tree;

namespace AimLsm.Tests.Server;

/// <summary>
/// aim-server's hosting of remote tracking (issue 18, points 1 and 5): <c>--writable</c> serves <c>GET /api/tracking</c>
/// to clients with the bearer token, a batch through it is acknowledged and read back, a missing or wrong token is a
/// 401 before the upgrade, a read-only server answers 404, and off loopback (or with <c>--require-tls</c>) the server
/// needs a certificate and the token for every request. All on 127.0.0.1 with free ports.
/// </summary>
public sealed class TrackingEndpointTests : IDisposable
{
    private const string Token = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    private const string RunA = "0123456789abcdef01234567";
    private const string RunB = "89abcdef0123456789abcdef";
    private const double CreatedAt = 1_795_000_000.25;

    private readonly TempDirectory _dir = new();
    private readonly string _repo;
    private readonly string _tokenFile;

    public TrackingEndpointTests()
    {
        _repo = _dir.Sub("repo");
        _tokenFile = _dir.Sub("token");
        File.WriteAllText(_tokenFile, Token + "\nthe first line is the token\n");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_batch_through_the_endpoint_is_acknowledged_and_read_back_over_http_and_from_the_repo()
    {
        await using (RunningServerCommand server = await RunningServerCommand.StartAsync(["--repo", _repo, "--port", "0", "--writable", "--token-file", _tokenFile]))
        {
            Assert.Equal(new Uri(server.Url, "/api/tracking").ToString().Replace("http://", "ws://", StringComparison.Ordinal), server.TrackingUrl?.ToString());
            Assert.Contains($"token from --token-file {_tokenFile}", server.StartLine, StringComparison.Ordinal);
            Assert.DoesNotContain(Token, server.Stdout, StringComparison.Ordinal);
            await using (RawTrackingClient client = await RawTrackingClient.ConnectAsync(server.TrackingUrl!, Token))
            {
                Assert.Equal(0ul, await client.HelloAsync(Guid.NewGuid()));
                await client.SendAsync(LossBatch(RunA, 1, steps: 50));
                await client.AckedAsync(1);
            }

            // The server sees its own writes at once: a writable repo is never refreshed, and needs not be.
            using var http = new HttpClient { BaseAddress = server.Url };
            string info = await http.GetStringAsync($"api/runs/{RunA}");
            Assert.Contains("\"lr\":0.01", info, StringComparison.Ordinal);
            Assert.Contains("\"name\":\"loss\"", info, StringComparison.Ordinal);
            Assert.Equal(0, await server.StopAsync());
            Assert.Equal(string.Empty, server.Stderr);
        }

        using Repo repo = Repo.OpenReadOnly(_repo);
        SequenceData loss = repo.GetRun(RunA).GetSequence("loss", new Context { ["subset"] = "train" }).Read();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), loss.Steps);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => 1.0 / (i + 1)), loss.Numbers!);
    }

    [Fact]
    public async Task A_missing_or_wrong_token_gets_401_before_the_upgrade_and_nothing_is_written()
    {
        var log = new StringWriter();
        using (Repo repo = Repo.Open(_repo))
        {
            await using AimServer server = await AimServer.StartAsync(repo, new AimServerOptions { Port = 0, Token = Token, Tracking = new TrackingServerOptions(), Logger = new TextWriterLogger(log) });
            Uri tracking = server.TrackingAddress!;
            Assert.Equal("ws", tracking.Scheme);

            (HttpStatusCode status, string? challenge) = await RawTrackingClient.RefusedStatusAsync(tracking, token: null);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("Bearer realm=\"aim-server\"", challenge);
            (status, challenge) = await RawTrackingClient.RefusedStatusAsync(tracking, token: Token[..^1] + "1");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Contains("invalid_token", challenge, StringComparison.Ordinal);

            // The 401's body says what to send; a plain GET gets it too.
            using var http = new HttpClient { BaseAddress = server.Address };
            using HttpResponseMessage plain = await http.GetAsync("api/tracking");
            Assert.Equal(HttpStatusCode.Unauthorized, plain.StatusCode);
            Assert.Contains("Authorization: Bearer TOKEN", await plain.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // Reads stay open on loopback, and the page's cookie is no way into tracking.
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"api/runs/{RunA}")).StatusCode);
            Assert.Empty(repo.Runs);
        }

        string[] lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(3, lines.Count(l => l.StartsWith("aim-server: warning: refused GET /api/tracking from 127.0.0.1:", StringComparison.Ordinal)));
        Assert.Equal(2, lines.Count(l => l.EndsWith(": no token", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.EndsWith(": a wrong token", StringComparison.Ordinal));
        Assert.DoesNotContain(Token[..16], log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_tracking_endpoint_of_a_read_only_server_is_a_404_that_says_how_to_start_a_writable_one()
    {
        Repo.Open(_repo).Dispose();
        await using RunningServerCommand server = await RunningServerCommand.StartAsync(["--repo", _repo, "--port", "0"]);
        Assert.Null(server.TrackingUrl);
        using var http = new HttpClient { BaseAddress = server.Url };
        using HttpResponseMessage response = await http.GetAsync("api/tracking");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"message\":\"ReadOnly\"", body, StringComparison.Ordinal);
        Assert.Contains("--writable", body, StringComparison.Ordinal);
        (HttpStatusCode status, _) = await RawTrackingClient.RefusedStatusAsync(new Uri(server.Url.ToString().Replace("http", "ws", StringComparison.Ordinal) + "api/tracking"), Token);
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Theory]
    [InlineData(new[] { "--host", "0.0.0.0" }, "--certificate PATH")]
    [InlineData(new[] { "--host", "::", "--writable" }, "--certificate PATH")]
    [InlineData(new[] { "--require-tls", "--writable" }, "--require-tls needs --certificate PATH")]
    [InlineData(new[] { "--writable", "--token-file", "/no/such/token" }, "cannot read the token file")]
    [InlineData(new[] { "--writable", "--certificate", "/no/such/cert.pfx" }, "does not exist")]
    public async Task A_server_that_cannot_meet_the_access_rules_refuses_to_start_with_one_line_and_exit_2(string[] args, string message)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await ServerCommand.RunAsync([.. args, "--repo", _repo, "--port", "0"], stdout, stderr, _ => null, CancellationToken.None);
        Assert.Equal(2, code);
        string error = stderr.ToString();
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.StartsWith("aim-server: ", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.False(Directory.Exists(_repo), "a refused start touched the repo");
    }

    [Theory]
    [InlineData("127.0.0.1", false, false)]
    [InlineData("127.0.0.5", false, false)]
    [InlineData("::1", false, false)]
    [InlineData("localhost", false, false)]
    [InlineData("::ffff:127.0.0.1", false, false)]
    [InlineData("0.0.0.0", false, true)]
    [InlineData("::", false, true)]
    [InlineData("192.168.1.10", false, true)]
    [InlineData("10.0.0.1", false, true)]
    [InlineData("fe80::1", false, true)]
    [InlineData("127.0.0.1", true, true)]
    public void The_access_rules_are_a_function_of_the_bound_address(string host, bool requireTls, bool remote)
    {
        AccessPolicy policy = AccessPolicy.For(AimServerOptions.ParseHost(host), requireTls);
        Assert.Equal(remote, policy.RequiresTls);
        Assert.Equal(remote, policy.TokenForReads);
    }

    [Fact]
    public void A_non_loopback_address_needs_a_certificate_and_a_token_in_the_class_too()
    {
        using Repo repo = Repo.Open(_repo);
        var e = Assert.Throws<ArgumentException>(() => new AimServerOptions { Host = "0.0.0.0", Token = Token }.Validate());
        Assert.Contains("needs TLS", e.Message, StringComparison.Ordinal);
        using X509Certificate2 certificate = SelfSigned();
        e = Assert.Throws<ArgumentException>(() => new AimServerOptions { Host = "0.0.0.0", Certificate = certificate }.Validate());
        Assert.Contains("needs a Token", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new AimServerOptions { Tracking = new TrackingServerOptions() }.Validate());
        Assert.Contains("Tracking needs a Token", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new AimServerOptions { Tracking = new TrackingServerOptions(), Token = "short" }.Validate());
        Assert.Contains("at least 16", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_tls_required_every_request_needs_the_token_and_tracking_runs_over_wss()
    {
        using X509Certificate2 certificate = SelfSigned();
        string pfx = _dir.Sub("server.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, "secret"));
        await using RunningServerCommand server = await RunningServerCommand.StartAsync(
            ["--repo", _repo, "--port", "0", "--writable", "--require-tls", "--certificate", pfx],
            name => name == ServerCommand.CertificatePasswordVariable ? "secret" : TokenOnly(name));
        Assert.Equal("https", server.Url.Scheme);
        Assert.Equal("wss", server.TrackingUrl?.Scheme);
        Assert.Contains("every request needs the token; token from AIMLSM_TOKEN", server.StartLine, StringComparison.Ordinal);

        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString(),
            AllowAutoRedirect = false,
            UseCookies = false,
        };
        using var http = new HttpClient(handler) { BaseAddress = server.Url };

        // Reads: no token, no answer; the header or the page's cookie opens them.
        using (HttpResponseMessage refused = await http.GetAsync($"api/runs/{RunA}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("?token=wrong-token-of-some-length")).StatusCode);
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"api/runs/{RunA}"))
        {
            request.Headers.Authorization = new("Bearer", Token);
            Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(request)).StatusCode);
        }

        using HttpResponseMessage login = await http.GetAsync($"?view=metrics&token={Token}");
        Assert.Equal(HttpStatusCode.SeeOther, login.StatusCode);
        Assert.Equal("/?view=metrics", login.Headers.Location?.ToString());
        string cookie = login.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Token, cookie, StringComparison.Ordinal);
        string pair = cookie.Split(';')[0];
        using (var page = new HttpRequestMessage(HttpMethod.Get, ""))
        {
            page.Headers.Add("Cookie", pair);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(page)).StatusCode);
        }

        // Tracking takes the header only: the page's cookie is no way in.
        (HttpStatusCode status, _) = await RawTrackingClient.RefusedStatusAsync(server.TrackingUrl!, token: null, certificate);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        await using (RawTrackingClient client = await RawTrackingClient.ConnectAsync(server.TrackingUrl!, Token, certificate))
        {
            await client.HelloAsync(Guid.NewGuid());
            await client.SendAsync(LossBatch(RunA, 1, steps: 3));
            await client.AckedAsync(1);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, $"api/runs/{RunA}"))
        {
            request.Headers.Add("Cookie", pair);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
        }
    }

    [Fact]
    public async Task A_pem_certificate_with_its_key_serves_and_one_without_its_key_is_refused()
    {
        using X509Certificate2 certificate = SelfSigned();
        string pem = _dir.Sub("server.pem");
        using (RSA key = certificate.GetRSAPrivateKey()!)
        {
            File.WriteAllText(pem, certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());
        }

        string bare = _dir.Sub("bare.pem");
        File.WriteAllText(bare, certificate.ExportCertificatePem());
        var stderr = new StringWriter();
        Assert.Equal(2, await ServerCommand.RunAsync(["--repo", _repo, "--port", "0", "--require-tls", "--certificate", bare], new StringWriter(), stderr, TokenOnly, CancellationToken.None));
        Assert.Contains($"cannot read the certificate '{bare}'", stderr.ToString(), StringComparison.Ordinal);

        Repo.Open(_repo).Dispose();
        await using RunningServerCommand server = await RunningServerCommand.StartAsync(["--repo", _repo, "--port", "0", "--require-tls", "--certificate", pem], TokenOnly);
        Assert.Equal("https", server.Url.Scheme);
        Assert.Null(server.TrackingUrl);
    }

    [Fact]
    public async Task Without_a_token_file_or_variable_a_token_is_generated_and_printed_once_on_the_start_line()
    {
        await using RunningServerCommand server = await RunningServerCommand.StartAsync(["--repo", _repo, "--port", "0", "--writable"]);
        var generated = System.Text.RegularExpressions.Regex.Match(server.StartLine, "token generated for this start: (?<token>[0-9a-f]{64});");
        Assert.True(generated.Success, server.StartLine);
        string token = generated.Groups["token"].Value;
        Assert.Equal(1, CountOf(server.Stdout, token));
        await using RawTrackingClient client = await RawTrackingClient.ConnectAsync(server.TrackingUrl!, token);
        Assert.Equal(0ul, await client.HelloAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task With_verbose_each_tracking_connection_is_a_line_on_stderr_and_without_it_none()
    {
        foreach (bool verbose in new[] { true, false })
        {
            string[] args = ["--repo", _repo, "--port", "0", "--writable", "--token-file", _tokenFile];
            await using RunningServerCommand server = await RunningServerCommand.StartAsync(verbose ? [.. args, "--verbose"] : args);
            await using (RawTrackingClient client = await RawTrackingClient.ConnectAsync(server.TrackingUrl!, Token))
            {
                await client.HelloAsync(Guid.NewGuid(), "verbose test pid 7");
            }

            Assert.Equal(0, await server.StopAsync());
            Assert.Equal(verbose, server.Stderr.Contains("aim-server: info: tracking: ", StringComparison.Ordinal));
            Assert.Equal(verbose, server.Stderr.Contains("verbose test pid 7, 127.0.0.1:", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_malformed_frame_closes_that_connection_with_an_error_while_another_keeps_working()
    {
        await using RunningServerCommand server = await RunningServerCommand.StartAsync(["--repo", _repo, "--port", "0", "--writable", "--token-file", _tokenFile]);
        await using RawTrackingClient good = await RawTrackingClient.ConnectAsync(server.TrackingUrl!, Token);
        await using RawTrackingClient bad = await RawTrackingClient.ConnectAsync(server.TrackingUrl!, Token);
        await good.HelloAsync(Guid.NewGuid());
        await bad.HelloAsync(Guid.NewGuid());

        byte[] frame = LossBatch(RunB, 1, steps: 10);
        frame[^1] ^= 0xff;
        (TrackingErrorCode code, string message) = await bad.RefusedAsync(frame);
        Assert.Equal(TrackingErrorCode.MalformedFrame, code);
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.True(await bad.EndedAsync(), "the bad connection stayed open");

        await good.SendAsync(LossBatch(RunA, 1, steps: 10));
        await good.AckedAsync(1);
        Assert.Contains("closing the connection of", server.Stderr, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = server.Url };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"api/runs/{RunA}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"api/runs/{RunB}")).StatusCode);
    }

    [Fact]
    public async Task Stopping_the_server_drops_its_tracking_connections_and_keeps_every_applied_batch()
    {
        RawTrackingClient client;
        await using (RunningServerCommand server = await RunningServerCommand.StartAsync(["--repo", _repo, "--port", "0", "--writable", "--token-file", _tokenFile]))
        {
            client = await RawTrackingClient.ConnectAsync(server.TrackingUrl!, Token);
            await client.HelloAsync(Guid.NewGuid());
            await client.SendAsync(LossBatch(RunA, 1, steps: 20));
            await client.AckedAsync(1);
            Assert.Equal(0, await server.StopAsync());
        }

        await using (client)
        {
            Assert.True(await client.EndedAsync(), "the connection outlived the server");
        }

        using Repo repo = Repo.OpenReadOnly(_repo);
        Assert.Equal(20, repo.GetRun(RunA).GetSequence("loss", new Context { ["subset"] = "train" }).Read().Steps.Length);
    }

    /// <summary>Batch <paramref name="number"/>: creates <paramref name="run"/> with hparams and tracks loss at steps 0 to <paramref name="steps"/> - 1.</summary>
    private static byte[] LossBatch(string run, ulong number, int steps)
    {
        var batch = new BatchWriter();
        batch.CreateRun(run, CreatedAt, "remote", "over the endpoint", null, []);
        batch.SetAttr(run, TreePath.Encode(["hparams"]), new Dictionary<string, object?> { ["lr"] = 0.01 });
        int loss = batch.Sequence(run, "loss", BatchWriter.EncodeRecords(new Dictionary<string, object?> { ["subset"] = "train" }));
        for (long step = 0; step < steps; step++)
        {
            batch.TrackFloat(loss, step, 0, 1_795_000_000_000_000 + step, 1.0 / (step + 1));
        }

        return batch.Finish(number);
    }

    /// <summary>A self-signed certificate for 127.0.0.1 with its RSA key, valid for a day.</summary>
    private static X509Certificate2 SelfSigned()
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=aim-server test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>An environment with <see cref="Token"/> in AIMLSM_TOKEN and nothing else.</summary>
    private static string? TokenOnly(string name) => name == ServerCommand.TokenVariable ? Token : null;

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
