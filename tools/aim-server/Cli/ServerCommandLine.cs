using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using AimLsm.Tools.Shared;

namespace AimLsm.Server.Cli;

/// <summary>
/// aim-server's command line on System.CommandLine. The root command serves a repo (its options below,
/// <see cref="ServeAction"/>); a subcommand is one file that builds its <see cref="Command"/> with its action, added
/// to <see cref="Root"/> in the constructor. System.CommandLine parses and writes the help; this class
/// turns its parse errors into aim-server's one-line messages (exit code 2), with its typo corrections as "did you
/// mean" suggestions.
/// </summary>
internal sealed class ServerCommandLine
{
    /// <summary>The endpoints, listed after the root's help.</summary>
    private const string EndpointsHelp = """
        Endpoints:
          GET /api/runs/search/run?q=AIMQL&limit=N
          GET /api/runs/search/metric?q=AIMQL&p=500&x_axis=step&record_range=START:STOP&sampling=lttb
          GET /api/runs/search/points?q=AIMQL&record_range=START:STOP   (every point, for a zoomed window)
          GET /api/runs/{hash}
          GET /api/tracking   (--writable: the WebSocket of remote tracking clients, RemoteRepo.Connect)
          GET /   the page: runs, metrics explorer, run pages
        """;

    public ServerCommandLine(Func<string, string?> environment)
    {
        Root = new RootCommand(
            "Serves an AimLsm repo over HTTP with Aim's search API and a page (docs/http-api.md); with --writable, also "
            + "remote tracking clients. Exit codes: 0 after a clean stop, 1 when it cannot listen, 2 for bad input.")
        {
            // The tool's name in help and usage lines whatever process hosts it (tests run it inside testhost).
            HelpName = "aim-server",
        };
        Root.Options.Add(Repo);
        Root.Options.Add(Host);
        Root.Options.Add(Port);
        Root.Options.Add(Writable);
        Root.Options.Add(TokenFile);
        Root.Options.Add(Certificate);
        Root.Options.Add(CertificatePassword);
        Root.Options.Add(RequireTls);
        Root.Options.Add(Verbose);
        Root.SetAction((parse, stop) => ServeAction.RunAsync(ServeSettings.From(this, parse, environment), parse.InvocationConfiguration, stop));

        // Subcommands, each built in its own file: `aim-server sync REPO SERVER` (issue 18.4, SyncCommand.cs).
        Root.Subcommands.Add(SyncCommand.Create());

        HelpOption help = Root.Options.OfType<HelpOption>().Single();
        help.Action = new AppendedHelpAction((HelpAction)help.Action!, Root, EndpointsHelp);
    }

    /// <summary>The root command, for parsing.</summary>
    public RootCommand Root { get; }

    public Option<string> Repo { get; } = new("--repo")
    {
        Description = "The repo folder. Opened read-only (training processes may write beside the server), or for writing with --writable",
        HelpName = "PATH",
    };

    public Option<string> Host { get; } = new("--host")
    {
        Description = "The address to listen on ('localhost' is 127.0.0.1). Any other address, such as "
            + "0.0.0.0, needs --certificate, and every request then needs the token",
        HelpName = "ADDRESS",
        DefaultValueFactory = _ => "127.0.0.1",
        Validators = { CheckHost },
    };

    public Option<int> Port { get; } = new("--port")
    {
        Description = "The TCP port (Aim's by default; 0 picks a free one)",
        HelpName = "N",
        DefaultValueFactory = _ => AimServerOptions.DefaultPort,
        CustomParser = ParsePort,
    };

    public Option<bool> Writable { get; } = new("--writable")
    {
        Description = "Open the repo for writing and accept remote tracking clients on /api/tracking (they need the token)",
    };

    public Option<string> TokenFile { get; } = new("--token-file")
    {
        Description = $"The bearer token clients must send, from the first line of this file; else from {ServerCommand.TokenVariable}; "
            + "else one is generated and printed at start",
        HelpName = "PATH",
    };

    public Option<string> Certificate { get; } = new("--certificate")
    {
        Description = "Serve HTTPS (and wss://) with this certificate and its private key: a PFX/PKCS#12 file, or a PEM file holding both",
        HelpName = "PATH",
    };

    public Option<string> CertificatePassword { get; } = new("--certificate-password")
    {
        Description = $"The password of the certificate file, if it has one (or {ServerCommand.CertificatePasswordVariable})",
        HelpName = "PASSWORD",
    };

    public Option<bool> RequireTls { get; } = new("--require-tls")
    {
        Description = "Apply the rules of a non-loopback address on loopback too (TLS, the token for every request): for a server reached through a tunnel",
    };

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Print one line per streamed search and per tracking connection, and ASP.NET Core's warnings",
    };

    /// <summary>
    /// The one-line error for a command line System.CommandLine rejected, prefixed with "aim-server: ", or null when it
    /// is good. An option without its value is "--name needs a value"; a value an option's own check refused is that
    /// check's message; an unknown word is named, with the options it may be a typo of.
    /// </summary>
    public string? Error(ParseResult parse)
    {
        if (parse.Action is not ParseErrorAction)
        {
            // No error, or --help (which wins over a missing argument: 'aim-server sync --help' shows sync's help).
            return null;
        }

        string prefix = $"{Usage(parse)}: ";
        if (parse.UnmatchedTokens.Count > 0)
        {
            string word = parse.UnmatchedTokens[0];
            // Re-parsed with what came before it, so that a subcommand's arguments are in place and the word is left over.
            string suggestions = TypoSuggestions.DidYouMean(Root, [.. parse.Tokens.Select(t => t.Value).TakeWhile(t => t != word), word]);
            return $"{prefix}unknown argument '{word}'{(suggestions.Length == 0 ? "." : suggestions)}";
        }

        if (parse.Errors.Count == 0)
        {
            return null;
        }

        ParseError error = parse.Errors[0];
        OptionResult? option = error.SymbolResult as OptionResult ?? error.SymbolResult?.Parent as OptionResult;
        if (option is { Tokens.Count: 0 })
        {
            return $"{prefix}{option.Option.Name} needs a value.";
        }

        return prefix + error.Message;
    }

    /// <summary>The chosen command as typed: <c>aim-server</c>, <c>aim-server sync</c>.</summary>
    public string Usage(ParseResult parse)
    {
        var names = new List<string>();
        for (SymbolResult? r = parse.CommandResult; r is CommandResult { Parent: not null } c; r = c.Parent)
        {
            names.Insert(0, c.Command.Name);
        }

        return string.Join(' ', ["aim-server", .. names]);
    }

    private static void CheckHost(OptionResult result)
    {
        try
        {
            AimServerOptions.ParseHost(result.GetValueOrDefault<string>());
        }
        catch (ArgumentException e)
        {
            result.AddError(e.Message.Split(" (Parameter", 2)[0]);
        }
    }

    private static int ParsePort(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > IPEndPoint.MaxPort)
        {
            result.AddError($"--port must be a number from 0 to {IPEndPoint.MaxPort}, not '{text}'.");
        }

        return port;
    }
}
