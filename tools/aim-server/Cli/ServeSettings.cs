using System.CommandLine;

namespace AimLsm.Server.Cli;

/// <summary>What the root command was asked to do, read off its parse, with the environment it reads secrets from.</summary>
internal sealed record ServeSettings(
    string? Repo,
    string Host,
    int Port,
    bool Writable,
    string? TokenFile,
    string? Certificate,
    string? CertificatePassword,
    bool RequireTls,
    bool Verbose,
    Func<string, string?> Environment)
{
    public static ServeSettings From(ServerCommandLine cli, ParseResult parse, Func<string, string?> environment) => new(
        parse.GetValue(cli.Repo),
        parse.GetValue(cli.Host) ?? "127.0.0.1",
        parse.GetValue(cli.Port),
        parse.GetValue(cli.Writable),
        parse.GetValue(cli.TokenFile),
        parse.GetValue(cli.Certificate),
        parse.GetValue(cli.CertificatePassword) ?? environment(ServerCommand.CertificatePasswordVariable),
        parse.GetValue(cli.RequireTls),
        parse.GetValue(cli.Verbose),
        environment);
}
