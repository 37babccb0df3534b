using System.CommandLine;
using System.Globalization;
using AimLsm.Remote;
using AimLsm.Tools.Shared;
using AimLsm.Tree;

namespace AimLsm.Server;

/// <summary>
/// <c>aim-server sync REPO SERVER [--token-file FILE]</c>: copies the runs of a local repo (tracked offline, on a
/// laptop) into the repo a writable aim-server serves, with <see cref="RepoSync"/> (docs/http-api.md, "aim-server
/// sync"). Shows a progress line on stderr on a terminal (tools/Shared/ConsoleProgress.cs), nothing of it when piped,
/// and ends with one summary line on stdout.
/// Exit codes: 0 every run synced, 1 some run refused or the sync stopped (the next one resumes), 2 bad arguments
/// or a folder that is not a repo.
/// </summary>
public static class SyncCommand
{
    /// <summary>The <c>sync</c> subcommand, for the root command's <c>Subcommands</c>.</summary>
    public static Command Create()
    {
        var repo = new Argument<string>("repo") { Description = "The local repo folder (opened read-only: a training process may be writing it)" };
        var server = new Argument<string>("server") { Description = "The server, http://host:port (its /api/tracking endpoint; the server runs with --writable)" };
        var tokenFile = new Option<string?>("--token-file")
        {
            Description = $"A file holding the server's bearer token (default: the {SyncOptions.TokenVariable} environment variable)",
            HelpName = "FILE",
        };
        var command = new Command("sync", "Copy the runs of a local repo into a server's repo: new runs, and what runs gained since the last sync (resumable; docs/http-api.md)")
        {
            repo,
            server,
            tokenFile,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(repo)!, parse.GetValue(server)!, parse.GetValue(tokenFile),
            Console.Out, Console.Error, ConsoleProgress.IsTerminal, cancellationToken));
        return command;
    }

    /// <summary>Syncs <paramref name="repoPath"/> to <paramref name="server"/>; returns the exit code.</summary>
    /// <param name="repoPath">The local repo's folder.</param>
    /// <param name="server">The server's URI as typed.</param>
    /// <param name="tokenFile">A file holding the bearer token, or null for <see cref="SyncOptions.TokenVariable"/>.</param>
    /// <param name="output">Where the summary line goes.</param>
    /// <param name="errors">Where the progress line (cleared at the end), refused runs and failures go.</param>
    /// <param name="showProgress">Whether to redraw a progress line (a terminal); false prints the summary only.</param>
    /// <param name="cancellationToken">Stops the sync (Ctrl+C); what the server acknowledged stays recorded.</param>
    public static async Task<int> RunAsync(string repoPath, string server, string? tokenFile, TextWriter output, TextWriter errors,
        bool showProgress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        if (!Uri.TryCreate(server, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https" or "ws" or "wss"))
        {
            await errors.WriteLineAsync($"aim-server sync: '{server}' is not a server URI such as http://host:43800");
            return 2;
        }

        var options = new SyncOptions();
        if (tokenFile is not null)
        {
            try
            {
                options.Token = (await File.ReadAllTextAsync(tokenFile, cancellationToken)).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await errors.WriteLineAsync($"aim-server sync: cannot read the token file '{tokenFile}': {e.Message}");
                return 2;
            }
        }

        Repo repo;
        try
        {
            repo = Repo.OpenReadOnly(repoPath);
        }
        catch (RepoException e)
        {
            await errors.WriteLineAsync($"aim-server sync: {e.Message}");
            return 2;
        }

        using (repo)
        {
            var progress = new ProgressLine(new ConsoleProgress(errors, showProgress));
            try
            {
                SyncReport report = await repo.SyncToAsync(uri, options, progress, cancellationToken);
                progress.End();
                foreach (SyncRunError error in report.Errors)
                {
                    await errors.WriteLineAsync($"aim-server sync: run {error.Hash} not synced ({error.Code}): {error.Message}");
                }

                await output.WriteLineAsync($"aim-server sync: {report} to {uri}");
                return report.Errors.Count == 0 ? 0 : 1;
            }
            catch (SyncException e)
            {
                progress.End();
                await errors.WriteLineAsync($"aim-server sync: {e.Message}");
                return 1;
            }
            catch (TrackingProtocolException e)
            {
                progress.End();
                await errors.WriteLineAsync($"aim-server sync: the server refused the sync ({e.Code}): {e.Message}");
                return 1;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                progress.End();
                await errors.WriteLineAsync("aim-server sync: stopped; what the server acknowledged is recorded, the next sync resumes");
                return 1;
            }
        }
    }

    /// <summary>The sync's progress as the tools' one progress line: runs, points and MiB sent.</summary>
    private sealed class ProgressLine(ConsoleProgress line) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) => line.Report(string.Create(CultureInfo.InvariantCulture,
            $"sync: {value.RunsDone}/{value.RunsTotal} runs, {value.Points:N0} points, {value.Bytes / 1048576.0:0.0} MiB"));

        /// <summary>Clears the line so that what is printed next starts on a clean one.</summary>
        public void End() => line.Clear();
    }
}
