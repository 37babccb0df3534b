using System.CommandLine;
using AimLsm.Kv;
using AimLsm.Tools.LsmDump.Cli;
using AimLsm.Tools.LsmDump.Commands;
using AimLsm.Tools.LsmDump.Output;
using AimLsm.Tools.Shared;

namespace AimLsm.Tools.LsmDump;

/// <summary>
/// lsm-dump: inspects and verifies every file of an AimLsm database (RocksDB's <c>ldb</c> and <c>sst_dump</c>).
/// It never modifies anything. Exit codes: 0 success, 1 damage found (verify, or a file too damaged to read),
/// 2 bad input (usage, a missing path, not a database, a file of the wrong kind). Errors are one line on stderr.
/// The command line is System.CommandLine's (<see cref="CommandLine"/>): generated help, suggestions for mistyped
/// options and commands, tab completion.
/// </summary>
public static class LsmDump
{
    /// <summary>
    /// Runs lsm-dump with <paramref name="args"/>, writing results to <paramref name="stdout"/> and errors (one line)
    /// and progress to <paramref name="stderr"/>; returns the exit code. Progress shows only when
    /// <paramref name="interactive"/> (the console: stdout and stderr both a terminal).
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive = false)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            stdout.WriteLine("usage: lsm-dump COMMAND PATH [options]; lsm-dump --help lists the commands");
            return 2;
        }
        var cli = new CommandLine();
        ParseResult parse = cli.Root.Parse(args);
        if (cli.Error(parse) is { } usage)
        {
            stdout.Flush();
            stderr.WriteLine(usage);
            return 2;
        }
        if (parse.Action is not null || cli.Find(parse) is not { } command)
        {
            // --help, --version and the completion directive: System.CommandLine's own actions.
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        }
        DumpWriter? output = null;
        try
        {
            var parsed = new Arguments(parse, command.Path);
            string formatName = parsed.Value("--format") ?? ByteFormats.Default;
            if (!ByteFormats.TryGet(formatName, out IByteFormat format))
            {
                throw new BadInputException($"{command.Name}: unknown --format '{formatName}'; known: {string.Join(", ", ByteFormats.Names)}");
            }
            output = parsed.Has("--json")
                ? new JsonDumpWriter(stdout, format, parsed.Has("--full"))
                : new TextDumpWriter(stdout, format, parsed.Has("--full"));
            int code = command.Run(new CommandContext(parsed, output, new ConsoleProgress(stderr, interactive)));
            output.Finish();
            return code;
        }
        catch (BadInputException e)
        {
            stdout.Flush();
            stderr.WriteLine("lsm-dump " + e.Message);
            return 2;
        }
        catch (CorruptionException e)
        {
            stdout.Flush();
            stderr.WriteLine($"lsm-dump {command.Name}: corruption in '{e.File}' at offset {e.Offset}: {e.Detail}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DbException)
        {
            stdout.Flush();
            stderr.WriteLine($"lsm-dump {command.Name}: {e.Message}");
            return 2;
        }
        finally
        {
            (output as IDisposable)?.Dispose();
        }
    }
}
