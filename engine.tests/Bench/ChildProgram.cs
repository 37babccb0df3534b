using System.Diagnostics;

namespace AimLsm.Tests.Bench;

/// <summary>
/// Runs one of our programs (<c>dotnet X.dll args</c>) to its end with stdout and stderr redirected to pipes, as a
/// shell pipeline or CI would, and returns their bytes exactly as written: carriage returns and all, which line-based
/// readers would swallow. Bounded in time: a child still running after <c>timeout</c> is killed and the test fails.
/// </summary>
public static class ChildProgram
{
    public readonly record struct Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>engine.bench's dll, built beside this test project's output in the same configuration (engine.tests
    /// references the bench for the build order only).</summary>
    public static string BenchDll
    {
        get
        {
            // .../engine.tests/bin/<Configuration>/<tfm>/ -> .../engine.bench/bin/<Configuration>/<tfm>/AimLsm.Bench.dll
            var output = new DirectoryInfo(AppContext.BaseDirectory);
            DirectoryInfo project = output;
            while (project.Parent is not null && !File.Exists(Path.Combine(project.FullName, "AimLsm.Tests.csproj")))
            {
                project = project.Parent;
            }
            string relative = Path.GetRelativePath(project.FullName, output.FullName);
            return Path.Combine(project.Parent!.FullName, "engine.bench", relative, "AimLsm.Bench.dll");
        }
    }

    /// <summary>lsm-dump's dll in this test's output folder.</summary>
    public static string LsmDumpDll => Path.Combine(AppContext.BaseDirectory, "lsm-dump.dll");

    /// <summary>Runs <c>dotnet <paramref name="program"/></c> for a dll, else <paramref name="program"/> itself.</summary>
    public static Result Run(string program, TimeSpan timeout, params string[] args)
    {
        Assert.True(File.Exists(program), $"the program is missing at {program}");
        bool dll = program.EndsWith(".dll", StringComparison.Ordinal);
        var psi = new ProcessStartInfo(dll ? "dotnet" : program)
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (dll)
        {
            psi.ArgumentList.Add(program);
        }
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process child = Process.Start(psi)!;
        Task<string> stdout = child.StandardOutput.ReadToEndAsync();
        Task<string> stderr = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(timeout))
        {
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
            Assert.Fail($"{Path.GetFileName(program)} {string.Join(' ', args)} did not exit within {timeout.TotalSeconds:F0} s; stderr: {stderr.Result}");
        }
        child.WaitForExit(); // the redirected streams drained
        return new Result(child.ExitCode, stdout.Result, stderr.Result);
    }
}
