using System.Security.Cryptography;

namespace AimLsm.Server.Cli;

/// <summary>
/// The bearer token the command serves with and where it came from: the first line of <c>--token-file</c>, else
/// <see cref="ServerCommand.TokenVariable"/>, else 256 random bits generated at start (printed once, since nobody else
/// knows it). A token has at least <see cref="MinLength"/> characters, so that a short password is not taken for one.
/// </summary>
internal sealed record ServerToken(string Value, string Source, bool Generated)
{
    /// <summary>The fewest characters a given token may have (a generated one has 64).</summary>
    public const int MinLength = AimServerOptions.MinTokenLength;

    /// <exception cref="UsageException">The file is missing or empty, or the token is too short.</exception>
    public static ServerToken Resolve(string? tokenFile, Func<string, string?> environment)
    {
        if (tokenFile is not null)
        {
            string path = Path.GetFullPath(tokenFile);
            string? line;
            try
            {
                line = File.ReadLines(path).FirstOrDefault()?.Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"cannot read the token file '{path}' (--token-file): {e.Message}");
            }

            return Checked(line, $"--token-file {path}", $"the token file '{path}' (its first line)");
        }

        if (environment(ServerCommand.TokenVariable)?.Trim() is { Length: > 0 } variable)
        {
            return Checked(variable, ServerCommand.TokenVariable, ServerCommand.TokenVariable);
        }

        return new ServerToken(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), "generated", Generated: true);
    }

    private static ServerToken Checked(string? token, string source, string where)
    {
        if (string.IsNullOrEmpty(token))
        {
            throw new UsageException($"{where} is empty: it should hold the token clients send.");
        }

        if (token.Length < MinLength)
        {
            throw new UsageException($"the token in {where} has {token.Length} characters; a token has at least {MinLength} (say, 32 random bytes in hex: openssl rand -hex 32).");
        }

        return new ServerToken(token, source, Generated: false);
    }
}
