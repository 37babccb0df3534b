using System.Diagnostics;
using AimLsm.CrashChild;
using Xunit.Abstractions;

namespace AimLsm.Tests.IO;

/// <summary>
/// Runs one <see cref="OpenChild"/> attempt in a process of its own, behind a wrapper command that gives it what the
/// test process cannot have: another user (<c>setpriv</c>), a private mount namespace with a read-only bind mount
/// (<c>unshare -m</c>), a low descriptor limit (<c>prlimit</c>). Every wait is bounded; a failure carries stderr.
/// </summary>
internal static class OpenChildProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Why the wrappers cannot be used here, or null when they can: Linux, root (to drop privileges and to
    /// mount), and util-linux's tools present.</summary>
    public static string? Unavailable(params string[] tools)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not Linux";
        }

        if (Environment.UserName != "root")
        {
            return $"not root (user {Environment.UserName}): cannot drop to another user or mount";
        }

        string? missing = tools.FirstOrDefault(t => !File.Exists(t));
        return missing is null ? null : $"{missing} is not installed";
    }

    /// <summary>Drops the child to user nobody, group nogroup, no supplementary groups.</summary>
    public static readonly string[] Nobody = ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];

    /// <summary>Runs the child with at most 256 descriptors (enough for the runtime to start).</summary>
    public static readonly string[] LowDescriptorLimit = ["/usr/bin/prlimit", "--nofile=256:256"];

    /// <summary>
    /// Creates <c>source</c> and <c>mount</c> under <paramref name="root"/> and returns the wrapper that runs the
    /// child in a private mount namespace where <c>mount</c> is <c>source</c> bind-mounted read-only: the mount exists
    /// only for the child and vanishes with it. Null (the reason written to <paramref name="output"/>) when mounting
    /// is impossible here.
    /// </summary>
    public static string[]? ReadOnlyBindMount(string root, ITestOutputHelper output, out string source, out string mount)
    {
        source = Path.Combine(root, "source");
        mount = Path.Combine(root, "mount");
        if (Unavailable("/usr/bin/unshare", "/usr/bin/mount") is { } why)
        {
            output.WriteLine("skipped: " + why);
            return null;
        }

        Directory.CreateDirectory(source);
        Directory.CreateDirectory(mount);
        return ["/usr/bin/unshare", "-m", "sh", "-c", "mount --bind -o ro \"$1\" \"$2\" && shift 2 && exec \"$@\"", "sh", source, mount];
    }

    /// <summary>
    /// Runs <c>wrapper... dotnet AimLsm.CrashChild.dll open args...</c> (without a wrapper, the child alone) and
    /// returns the child's stdout lines, asserting that it exited 0.
    /// </summary>
    public static string[] Run(IReadOnlyList<string> wrapper, params string[] args)
    {
        string childDll = AimLsm.Tests.Crash.CrashChildBinary.Path;
        Assert.True(File.Exists(childDll), $"the child program is missing at {childDll}");
        var psi = new ProcessStartInfo(wrapper.Count > 0 ? wrapper[0] : "dotnet")
        {
            // Never the test process's current directory, which a parallel test may have changed and deleted.
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string w in wrapper.Skip(1))
        {
            psi.ArgumentList.Add(w);
        }

        if (wrapper.Count > 0)
        {
            psi.ArgumentList.Add("dotnet");
        }

        psi.ArgumentList.Add(childDll);
        psi.ArgumentList.Add(OpenChild.Mode);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Timeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"'{string.Join(' ', psi.ArgumentList)}' did not finish within {Timeout.TotalSeconds:F0} s");
        }

        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"'{psi.FileName} {string.Join(' ', psi.ArgumentList)}' exited with {p.ExitCode}: {stderr.Result}{stdout.Result}");
        return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The last line (the attempt's outcome), asserted to be a refusal, without its <c>refused </c> prefix.</summary>
    public static string Refusal(string[] lines)
    {
        Assert.NotEmpty(lines);
        string last = lines[^1];
        Assert.True(last.StartsWith("refused ", StringComparison.Ordinal), $"expected a refusal, got: {string.Join(" | ", lines)}");
        return last["refused ".Length..];
    }

    /// <summary>Everything under <paramref name="root"/>, relative, sorted: for "nothing left behind" checks.</summary>
    public static string[] Tree(string root) =>
        [.. Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Select(e => Path.GetRelativePath(root, e)).Order(StringComparer.Ordinal)];
}
