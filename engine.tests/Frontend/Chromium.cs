using Microsoft.Playwright;

namespace AimLsm.Tests.Frontend;

/// <summary>
/// Debian's chromium, which the browser tests drive through Playwright's <c>ExecutablePath</c> (no browser download).
/// <c>.ci/run</c> installs it when missing, so CI always runs the tests; on a machine without it they are skipped
/// with <see cref="MissingMessage"/>.
/// </summary>
internal static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    public const string MissingMessage = "needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium; .ci/run installs it)";

    public static bool IsInstalled => File.Exists(Path);

    /// <summary>Headless, sandbox off (tests run as root in CI), and none of the background traffic that this
    /// machine's closed network refuses.</summary>
    public static BrowserTypeLaunchOptions LaunchOptions => new()
    {
        ExecutablePath = Path,
        Headless = true,
        Args =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic",
        ],
    };
}

/// <summary>A test that needs chromium: skipped, saying why, when <see cref="Chromium.Path"/> is absent.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!Chromium.IsInstalled)
        {
            Skip = Chromium.MissingMessage;
        }

        Timeout = 120_000;
    }
}
