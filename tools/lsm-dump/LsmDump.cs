using AimLsm.Kv;
using AimLsm.Tools.LsmDump.Cli;
using AimLsm.Tools.LsmDump.Commands;
using AimLsm.Tools.LsmDump.Output;

namespace AimLsm.Tools.LsmDump;

/// <summary>
/// lsm-dump: inspects and verifies every file of an AimLsm database (RocksDB's <c>ldb</c> and <c>sst_dump</c>).
/// It never modifies anything. Exit codes: 0 success, 1 damage found (verify, or a file too damaged to read),
/// 2 bad input (usage, a missing path, not a database, a file of the wrong kind). Errors are one line on stderr.
/// </summary>
public static class LsmDump
{
    private sealed record Command(string Name, string Summary, string Help, string[] Flags, string[] Valued, Func<CommandContext, int> Run);

    private static readonly Command[] s_commands =
    [
        new("wal", "records and write batches of a WAL file", WalCommand.Help, [], [], WalCommand.Run),
        new("sst", "properties, index, blocks and entries of an SSTable", SstCommand.Help, ["--blocks", "--keys"], ["--from", "--to"], SstCommand.Run),
        new("manifest", "version edits of a MANIFEST, and the levels they make", ManifestCommand.Help, [], [], ManifestCommand.Run),
        new("db", "summary of a database: levels, files, WALs, totals", DbCommand.Help, [], [], DbCommand.Run),
        new("scan", "live keys and values (through the engine's read-only open)", ScanCommand.Help, [], ["--prefix", "--from", "--to", "--limit"], ScanCommand.Run),
        new("verify", "check every checksum; exit code 1 when damaged", VerifyCommand.Help, [], [], VerifyCommand.Run),
    ];

    /// <summary>The text of <c>lsm-dump --help</c>.</summary>
    public static string Usage
    {
        get
        {
            var sb = new System.Text.StringBuilder();
            sb.AppendLine("usage: lsm-dump COMMAND PATH [options]");
            sb.AppendLine();
            sb.AppendLine("Inspects and verifies the files of an AimLsm database. Never modifies anything; works on a");
            sb.AppendLine("database another process has open for writing. Commands:");
            foreach (Command c in s_commands)
            {
                sb.Append("  ").Append(c.Name.PadRight(10)).AppendLine(c.Summary);
            }
            sb.AppendLine();
            sb.AppendLine("Options of every command:");
            sb.Append("  --format F  how keys and values are shown: ").AppendLine(string.Join(", ", ByteFormats.Names) + " (default escaped)");
            sb.AppendLine("  --json      one JSON object on stdout, for scripts");
            sb.AppendLine("  --full      values in full (otherwise cut after 64 bytes)");
            sb.AppendLine("  --help      the command's own help");
            sb.AppendLine();
            sb.AppendLine("Exit codes: 0 ok, 1 damage found, 2 bad input. docs/format.md describes every file byte by byte.");
            return sb.ToString();
        }
    }

    /// <summary>
    /// Runs lsm-dump with <paramref name="args"/>, writing results to <paramref name="stdout"/> and errors (one line)
    /// and progress to <paramref name="stderr"/>; returns the exit code. Progress shows only when
    /// <paramref name="interactive"/> (stderr is a terminal).
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive = false)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            stdout.Write(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        Command? command = s_commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            stderr.WriteLine($"lsm-dump: unknown command '{args[0]}'; commands: {string.Join(", ", s_commands.Select(c => c.Name))} (lsm-dump --help)");
            return 2;
        }
        DumpWriter? output = null;
        try
        {
            Arguments parsed = Arguments.Parse(command.Name, args.Skip(1), command.Flags, command.Valued);
            if (parsed.Has("--help"))
            {
                stdout.Write(command.Help.ReplaceLineEndings("\n") + "\n");
                return 0;
            }
            string formatName = parsed.Value("--format") ?? ByteFormats.Default;
            if (!ByteFormats.TryGet(formatName, out IByteFormat format))
            {
                throw new BadInputException($"{command.Name}: unknown --format '{formatName}'; known: {string.Join(", ", ByteFormats.Names)}");
            }
            output = parsed.Has("--json")
                ? new JsonDumpWriter(stdout, format, parsed.Has("--full"))
                : new TextDumpWriter(stdout, format, parsed.Has("--full"));
            int code = command.Run(new CommandContext(parsed, output, new Progress(stderr, interactive)));
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
