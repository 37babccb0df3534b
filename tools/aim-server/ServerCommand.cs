using System.CommandLine;
using AimLsm.Server.Cli;

namespace AimLsm.Server;

/// <summary>
/// The command line of aim-server, on System.CommandLine (<see cref="ServerCommandLine"/>): the root command serves a
/// repo (<c>aim-server --repo PATH [--writable] ...</c>, <see cref="ServeAction"/>); subcommands are added in
/// <see cref="ServerCommandLine"/>, each from its own file. Help, typo suggestions and tab completion are
/// System.CommandLine's. Exit codes: 0 after a clean stop, 1 when serving fails (the port is taken), 2 for bad input
/// (System.CommandLine's own parse errors included): bad arguments, a folder that is not a repo, a missing
/// certificate or token. Errors are one line on the error stream, then a pointer to <c>--help</c>.
/// </summary>
public static class ServerCommand
{
    /// <summary>The environment variable a token is read from when no <c>--token-file</c> is given.</summary>
    public const string TokenVariable = "AIMLSM_TOKEN";

    /// <summary>The environment variable the certificate's password is read from when no <c>--certificate-password</c> is given.</summary>
    public const string CertificatePasswordVariable = "AIMLSM_CERTIFICATE_PASSWORD";

    /// <summary>Runs the command; returns the exit code.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="output">Where help, the start line and the stream lines go.</param>
    /// <param name="errors">Where errors and warnings go.</param>
    /// <param name="stop">Stops the server (the process's Ctrl+C or SIGTERM).</param>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, CancellationToken stop) =>
        RunAsync(args, output, errors, Environment.GetEnvironmentVariable, stop);

    /// <summary>Runs the command with <paramref name="environment"/> in place of the process's environment variables
    /// (tests must not set process-wide variables that other tests read).</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, Func<string, string?> environment, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(environment);
        var cli = new ServerCommandLine(environment);
        ParseResult parse = cli.Root.Parse(args);
        if (cli.Error(parse) is { } problem)
        {
            await errors.WriteLineAsync(problem);
            await errors.WriteLineAsync($"run '{cli.Usage(parse)} --help' for usage.");
            return 2;
        }

        // Help, completions and the commands' own actions. Ctrl+C and SIGTERM are the caller's (stop), not System.CommandLine's.
        return await parse.InvokeAsync(
            new InvocationConfiguration { Output = output, Error = errors, ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false },
            stop);
    }
}
