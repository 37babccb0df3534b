using System.Globalization;
using System.Net;
using AimLsm.Tree;
using Microsoft.Extensions.Logging;

namespace AimLsm.Server;

/// <summary>
/// The command line of aim-server: <c>aim-server --repo PATH [--host 127.0.0.1] [--port 43800] [--verbose]</c>.
/// Opens the repo read-only (writers may run beside it), serves it until stopped, prints one
/// line when it starts and, with <c>--verbose</c>, one per stream. Exit codes: 0 after a clean stop, 1 when serving
/// fails (the port is taken), 2 for bad arguments or a folder that is not a repo.
/// </summary>
public static class ServerCommand
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        aim-server: serves an AimLsm repo over HTTP with Aim's search API (docs/http-api.md).

        usage: aim-server --repo PATH [--host ADDRESS] [--port N] [--verbose]

          --repo PATH      the repo folder (opened read-only: training processes may write beside the server)
          --host ADDRESS   the address to listen on (default 127.0.0.1; 'localhost' is 127.0.0.1). Another address,
                           such as 0.0.0.0, lets other machines read every run: there is no authentication
          --port N         the TCP port (default 43800, Aim's; 0 picks a free one)
          --verbose        print one line per streamed search, and ASP.NET Core's warnings
          --help           this text

        endpoints:
          GET /api/runs/search/run?q=AIMQL&limit=N
          GET /api/runs/search/metric?q=AIMQL&p=500&x_axis=step&record_range=START:STOP&sampling=lttb
          GET /api/runs/search/points?q=AIMQL&record_range=START:STOP   (every point, for a zoomed window)
          GET /api/runs/{hash}
          GET /   the page: runs, metrics explorer, run pages
        """;

    /// <summary>Runs the command; returns the exit code.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="output">Where the start line and the stream lines go.</param>
    /// <param name="errors">Where errors and warnings go.</param>
    /// <param name="stop">Stops the server (the process's Ctrl+C or SIGTERM).</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            await output.WriteLineAsync(Usage);
            return 0;
        }

        if (!TryParse(args, out Arguments parsed, out string? problem))
        {
            await errors.WriteLineAsync($"aim-server: {problem}");
            await errors.WriteLineAsync("run 'aim-server --help' for usage.");
            return 2;
        }

        Repo repo;
        try
        {
            // What WAL recovery finds in a writer slot (a quarantine, dropped records) is printed, not only kept in
            // Repo.RecoveryReport: at start and after every refresh.
            repo = Repo.OpenReadOnly(parsed.Repo, new RepoOptions { Logger = new TextWriterLogger(errors) });
        }
        catch (RepoException e)
        {
            // The engine's hint (point Repo.Open at an empty folder) is for code that creates repos; this only reads.
            string path = Path.GetFullPath(parsed.Repo);
            await errors.WriteLineAsync(Directory.Exists(path) && !File.Exists(Path.Combine(path, Repo.MarkerFileName))
                ? $"aim-server: '{path}' is not an AimLsm repo: it has no {Repo.MarkerFileName} file. Give --repo the folder a tracking process opened with Repo.Open (it holds {Repo.MarkerFileName} and slots/)."
                : $"aim-server: {e.Message}");
            return 2;
        }

        using (repo)
        {
            var options = new AimServerOptions
            {
                Host = parsed.Host,
                Port = parsed.Port,
                LogLevel = parsed.Verbose ? LogLevel.Warning : LogLevel.None,
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
                await errors.WriteLineAsync($"aim-server: cannot listen on {parsed.Host}:{parsed.Port}: {e.Message}");
                return 1;
            }

            await using (server)
            {
                if (parsed.Verbose)
                {
                    // Streams end on thread-pool threads, concurrently.
                    TextWriter log = TextWriter.Synchronized(output);
                    server.StreamEnded += summary => log.WriteLine(summary.ToString());
                }

                if (!IPAddress.IsLoopback(AimServerOptions.ParseHost(parsed.Host)))
                {
                    await errors.WriteLineAsync($"aim-server: warning: listening on {parsed.Host}: anyone who can reach this address can read every run (no authentication).");
                }

                await output.WriteLineAsync($"serving {repo.Path} on {server.Address}");
                await output.WriteLineAsync($"open {server.Address} in a browser to see the runs (Ctrl+C stops)");
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

    /// <summary>Reads <c>--name value</c> and <c>--name=value</c> options.</summary>
    internal static bool TryParse(string[] args, out Arguments parsed, out string? problem)
    {
        parsed = new Arguments();
        problem = null;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string name = arg;
            string? value = null;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                (name, value) = (arg[..equals], arg[(equals + 1)..]);
            }

            if (name == "--verbose")
            {
                parsed = parsed with { Verbose = true };
                continue;
            }

            if (name is not ("--repo" or "--host" or "--port"))
            {
                problem = $"unknown argument '{arg}'.";
                return false;
            }

            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    problem = $"{name} needs a value.";
                    return false;
                }

                value = args[++i];
            }

            switch (name)
            {
                case "--repo":
                    parsed = parsed with { Repo = value };
                    break;
                case "--host":
                    try
                    {
                        AimServerOptions.ParseHost(value);
                    }
                    catch (ArgumentException e)
                    {
                        problem = e.Message.Split(" (Parameter", 2)[0];
                        return false;
                    }

                    parsed = parsed with { Host = value };
                    break;
                default:
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > IPEndPoint.MaxPort)
                    {
                        problem = $"--port must be a number from 0 to {IPEndPoint.MaxPort}, not '{value}'.";
                        return false;
                    }

                    parsed = parsed with { Port = port };
                    break;
            }
        }

        if (string.IsNullOrWhiteSpace(parsed.Repo))
        {
            problem = "--repo PATH is required.";
            return false;
        }

        return true;
    }

    /// <summary>The parsed command line.</summary>
    internal sealed record Arguments
    {
        public string Repo { get; init; } = string.Empty;

        public string Host { get; init; } = "127.0.0.1";

        public int Port { get; init; } = AimServerOptions.DefaultPort;

        public bool Verbose { get; init; }
    }
}
