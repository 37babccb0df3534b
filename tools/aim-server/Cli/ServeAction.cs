using System.CommandLine;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using AimLsm.Remote;
using AimLsm.Server.Http;
using AimLsm.Tree;
using Microsoft.Extensions.Logging;

namespace AimLsm.Server.Cli;

/// <summary>
/// What <c>aim-server --repo PATH ...</c> does: checks the access rules (<see cref="AccessPolicy"/>) before it
/// touches the repo, opens the repo (read-only, or for writing with <c>--writable</c>), serves it until stopped,
/// prints the start line and, with <c>--verbose</c>, one line per stream. Exit codes: 0 after a clean stop, 1 when it
/// cannot listen, 2 for bad input.
/// </summary>
internal static class ServeAction
{
    public static async Task<int> RunAsync(ServeSettings settings, InvocationConfiguration invocation, CancellationToken stop)
    {
        TextWriter output = invocation.Output;
        TextWriter errors = invocation.Error;
        X509Certificate2? certificate = null;
        try
        {
            if (string.IsNullOrWhiteSpace(settings.Repo))
            {
                throw new UsageException("--repo PATH is required.");
            }

            // What the address requires is checked before the repo is opened: a refusal touches nothing.
            IPAddress address = AimServerOptions.ParseHost(settings.Host);
            AccessPolicy policy = AccessPolicy.For(address, settings.RequireTls);
            if (policy.RequiresTls && settings.Certificate is null)
            {
                throw new UsageException(settings.RequireTls
                    ? "--require-tls needs --certificate PATH (a PFX, or a PEM with its private key) to serve HTTPS."
                    : $"listening on {settings.Host}, which is not a loopback address, needs TLS: give --certificate PATH (a PFX, or a PEM with its private key), or listen on 127.0.0.1.");
            }

            if (settings.TokenFile is not null && !settings.Writable && !policy.TokenForReads)
            {
                throw new UsageException("--token-file has no use on a read-only server bound to loopback (reads need no token there): add --writable, or leave it out.");
            }

            certificate = settings.Certificate is null ? null : CertificateFile.Load(settings.Certificate, settings.CertificatePassword);
            ServerToken? token = settings.Writable || policy.TokenForReads ? ServerToken.Resolve(settings.TokenFile, settings.Environment) : null;
            return await ServeAsync(settings, token, certificate, output, errors, stop);
        }
        catch (UsageException e)
        {
            await errors.WriteLineAsync($"aim-server: {e.Message}");
            return 2;
        }
        finally
        {
            certificate?.Dispose();
        }
    }

    private static async Task<int> ServeAsync(ServeSettings settings, ServerToken? token, X509Certificate2? certificate, TextWriter output, TextWriter errors, CancellationToken stop)
    {
        string repoPath = settings.Repo!;
        var logger = new TextWriterLogger(errors, settings.Verbose ? LogLevel.Information : LogLevel.Warning);
        Repo repo;
        try
        {
            // What WAL recovery finds in a writer slot (a quarantine, dropped records) is printed, not only kept in
            // Repo.RecoveryReport: at start and after every refresh.
            var repoOptions = new RepoOptions { Logger = logger };
            repo = settings.Writable ? Repo.Open(repoPath, repoOptions) : Repo.OpenReadOnly(repoPath, repoOptions);
        }
        catch (RepoException e)
        {
            // The engine's hint (point Repo.Open at an empty folder) is for code that creates repos; this only reads.
            string path = Path.GetFullPath(repoPath);
            throw new UsageException(!settings.Writable && Directory.Exists(path) && !File.Exists(Path.Combine(path, Repo.MarkerFileName))
                ? $"'{path}' is not an AimLsm repo: it has no {Repo.MarkerFileName} file. Give --repo the folder a tracking process opened with Repo.Open (it holds {Repo.MarkerFileName} and slots/)."
                : e.Message);
        }

        using (repo)
        {
            var options = new AimServerOptions
            {
                Host = settings.Host,
                Port = settings.Port,
                LogLevel = settings.Verbose ? LogLevel.Warning : LogLevel.None,
                Logger = logger,
                Token = token?.Value,
                Certificate = certificate,
                RequireTls = settings.RequireTls,
                Tracking = settings.Writable ? new TrackingServerOptions() : null,
            };

            AimServer server;
            try
            {
                server = await AimServer.StartAsync(repo, options, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return 0;
            }
            catch (IOException e)
            {
                await errors.WriteLineAsync($"aim-server: cannot listen on {settings.Host}:{settings.Port}: {e.Message}");
                return 1;
            }

            // Disposing the server stops the tracking connections and disposes its TrackingServer (flushing the runs
            // it holds) before the repo is disposed.
            await using (server)
            {
                if (settings.Verbose)
                {
                    // Streams end on thread-pool threads, concurrently.
                    TextWriter log = TextWriter.Synchronized(output);
                    server.StreamEnded += summary => log.WriteLine(summary.ToString());
                }

                await output.WriteLineAsync(StartLine(repo, server, token));
                await output.WriteLineAsync(server.Options.ReadsNeedToken
                    ? $"open {server.Address}?token={(token!.Generated ? token.Value : "TOKEN")} once in a browser to see the runs: the token is then kept in a cookie (Ctrl+C stops)"
                    : $"open {server.Address} in a browser to see the runs (Ctrl+C stops)");
                await output.FlushAsync(CancellationToken.None);
                try
                {
                    await Task.Delay(Timeout.Infinite, stop);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C or SIGTERM: stop cleanly.
                }
            }
        }

        return 0;
    }

    /// <summary>
    /// <c>serving REPO on URL</c>, as ever; then, when writable, where tracking clients connect and where the token
    /// comes from (a generated one in full: it is printed here once and nowhere else); bound off loopback, that every
    /// request needs the token.
    /// </summary>
    private static string StartLine(Repo repo, AimServer server, ServerToken? token)
    {
        string line = $"serving {repo.Path} on {server.Address}";
        if (server.TrackingAddress is { } tracking)
        {
            line += $", tracking at {tracking}";
        }

        if (token is null)
        {
            return line;
        }

        string source = token.Generated
            ? $"token generated for this start: {token.Value}; give it to clients in {ServerCommand.TokenVariable} or RemoteRepoOptions.Token; --token-file or {ServerCommand.TokenVariable} keeps one across restarts"
            : $"token from {token.Source}";
        return $"{line} ({(server.Options.ReadsNeedToken ? "every request needs the token; " : string.Empty)}{source})";
    }
}
