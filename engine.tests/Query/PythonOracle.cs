using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace AimLsm.Tests.Query;

/// <summary>
/// CPython as the oracle of AimQL's semantics: one <c>python3</c> process runs <c>testdata/query/aimql_oracle.py</c>
/// over a whole batch of expressions (one process per batch, never one per case) and answers each with its encoded
/// outcome. <see cref="Unavailable"/> says why tests that need it are skipped (no python3 on the machine).
/// </summary>
internal static class PythonOracle
{
    private static readonly Lazy<(string? Why, string? UnicodeVersion)> Probe = new(ProbePython);

    /// <summary>Null when python3 runs; otherwise the reason tests that need it skip.</summary>
    public static string? Unavailable => Probe.Value.Why;

    /// <summary>
    /// python3's absolute path from PATH (or "python3" when not found there, which then fails to start), and a process
    /// start for it that runs in the test assembly's directory: a relative program name makes .NET read the current
    /// directory, which another test may have deleted under the whole process.
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        string program = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "python3")).FirstOrDefault(File.Exists) ?? "python3";
        return new ProcessStartInfo(program, arguments) { UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory };
    }

    /// <summary>The running python3's <c>unicodedata.unidata_version</c>, or null without python3.</summary>
    public static string? UnicodeVersion => Probe.Value.UnicodeVersion;

    /// <summary>
    /// The outcome of each of <paramref name="expressions"/>, evaluated by one python3 process over a run whose params
    /// and fields are <paramref name="run"/> (a JSON object). Bounded in time: the process is killed after
    /// <paramref name="timeout"/>.
    /// </summary>
    public static string[] Evaluate(object run, int maxString, int maxList, IReadOnlyList<string> expressions, TimeSpan timeout)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "testdata", "query", "aimql_oracle.py");
        ProcessStartInfo info = StartInfo([script]);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.StandardInputEncoding = new UTF8Encoding(false);
        info.StandardOutputEncoding = System.Text.Encoding.UTF8;
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        using Process process = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        var input = new StringBuilder();
        input.Append(JsonSerializer.Serialize(new { run, max_string = maxString, max_list = maxList })).Append('\n');
        foreach (string expression in expressions)
        {
            input.Append(JsonSerializer.Serialize(expression)).Append('\n');
        }

        if (Environment.GetEnvironmentVariable("AIMLSM_ORACLE_INPUT") is { Length: > 0 } dump)
        {
            // To replay a batch by hand: python3 testdata/query/aimql_oracle.py < dump
            File.WriteAllText(dump, input.ToString());
        }

        Task writing = Task.Run(() =>
        {
            try
            {
                process.StandardInput.Write(input.ToString());
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // python3 stopped reading: its exit code and stderr, checked below, say why.
            }
        });
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"python3 did not answer {expressions.Count} expressions within {timeout}");
        }

        writing.GetAwaiter().GetResult();
        string[] lines = output.GetAwaiter().GetResult().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (process.ExitCode != 0 || lines.Length != expressions.Count)
        {
            throw new InvalidOperationException(
                $"python3 exited with {process.ExitCode} after {lines.Length} of {expressions.Count} answers: {errors.GetAwaiter().GetResult()}");
        }

        return lines;
    }

    private static (string? Why, string? UnicodeVersion) ProbePython()
    {
        try
        {
            ProcessStartInfo info = StartInfo(["-c", "import unicodedata; print(unicodedata.unidata_version)"]);
            info.RedirectStandardOutput = true;
            using Process process = Process.Start(info)!;
            string version = process.StandardOutput.ReadToEnd().Trim();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)) || process.ExitCode != 0)
            {
                return ("python3 did not report its Unicode version", null);
            }

            return (null, version);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return ($"python3 is not on PATH ({e.Message}): the Python oracle tests need it", null);
        }
    }
}

/// <summary>A fact that needs python3 on the machine; skipped, with the reason, without it.</summary>
internal sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute()
    {
        if (PythonOracle.Unavailable is { } why)
        {
            Skip = why;
        }
    }
}
