using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using AimLsm.CrashChild;

namespace AimLsm.Tests.Tree.Repo;

/// <summary>
/// A running <see cref="TreeChild"/> workload in its own process, launched the way the black-box crash test launches
/// its victim (engine.tests/Crash/BlackBoxCrashTests.cs: <c>dotnet crashchild/AimLsm.CrashChild.dll</c> from the test's output
/// folder, killed with SIGKILL). Every wait has a timeout, and a failure message carries the child's stderr.
/// Dispose kills a child that is still running.
/// </summary>
internal sealed class TreeChildProcess : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];
    private readonly StringBuilder _stderr = new();

    /// <summary>Lines <see cref="LatestFlushed"/> read past, kept for the next <see cref="WaitFor"/> (a client that
    /// finished between two looks has printed its <c>done N</c> among them).</summary>
    private readonly Queue<string> _held = new();
    private long _latestFlushed = -1;

    private TreeChildProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The child's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the child has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>AimLsm.CrashChild tree</c> with <paramref name="args"/>.</summary>
    public static TreeChildProcess Start(params string[] args) => StartProgram(AimLsm.Tests.Crash.CrashChildBinary.Path, [TreeChild.Mode, .. args]);

    /// <summary>Starts <c>dotnet <paramref name="childDll"/></c> with <paramref name="args"/> (another mode of the
    /// crash child, or another program of the test's output folder such as aim-server).</summary>
    public static TreeChildProcess StartProgram(string childDll, params string[] args)
    {
        Assert.True(File.Exists(childDll), $"the child program is missing at {childDll}");
        var psi = new ProcessStartInfo("dotnet")
        {
            // Never the test process's current directory, which a parallel test may have changed and deleted.
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(childDll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var child = new TreeChildProcess(Process.Start(psi)!);
        child._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._lines.CompleteAdding();
            }
            else
            {
                child._lines.Add(e.Data);
            }
        };
        child._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._stderr)
                {
                    child._stderr.AppendLine(e.Data);
                }
            }
        };
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for the next stdout line that starts with <paramref name="prefix"/> and returns the rest of it;
    /// earlier lines are skipped.</summary>
    public string WaitFor(string prefix, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan limit = timeout ?? DefaultTimeout;
        while (true)
        {
            TimeSpan left = limit - clock.Elapsed;
            string? line = null;
            bool got = _held.TryDequeue(out line) || (left > TimeSpan.Zero && !_lines.IsCompleted && _lines.TryTake(out line, left));
            if (!got)
            {
                Assert.Fail($"the tree child (pid {Id}) printed no '{prefix}' line within {limit.TotalSeconds:F0} s " +
                    $"({(_process.HasExited ? "it exited" : "still running")}); stderr: {Stderr()}");
            }

            NoteFlushed(line!);
            if (line!.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line[prefix.Length..].Trim();
            }
        }
    }

    /// <summary>The most recent <c>flushed N</c> count among the lines already printed (waiting for at least one).</summary>
    public long LatestFlushed()
    {
        var clock = Stopwatch.StartNew();
        while (_latestFlushed < 0 && clock.Elapsed < DefaultTimeout && !_lines.IsCompleted && _lines.TryTake(out string? line, DefaultTimeout - clock.Elapsed))
        {
            Hold(line);
        }

        while (_lines.TryTake(out string? line))
        {
            Hold(line);
        }

        if (_latestFlushed < 0)
        {
            Assert.Fail($"the tree child (pid {Id}) printed no 'flushed ' line within {DefaultTimeout.TotalSeconds:F0} s " +
                $"({(_process.HasExited ? "it exited" : "still running")}); stderr: {Stderr()}");
        }

        return _latestFlushed;
    }

    private void Hold(string line)
    {
        NoteFlushed(line);
        _held.Enqueue(line);
    }

    private void NoteFlushed(string line)
    {
        if (line.StartsWith("flushed ", StringComparison.Ordinal))
        {
            _latestFlushed = Math.Max(_latestFlushed, long.Parse(line["flushed ".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Writes a line to the child's stdin.</summary>
    public void Send(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Waits for the child to exit and returns its exit code.</summary>
    public int WaitForExit(TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? DefaultTimeout;
        if (!_process.WaitForExit(limit))
        {
            _process.Kill();
            Assert.Fail($"the tree child (pid {Id}) did not exit within {limit.TotalSeconds:F0} s; stderr: {Stderr()}");
        }

        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    /// <summary>Asserts a clean exit (code 0).</summary>
    public void AssertExitsCleanly(TimeSpan? timeout = null)
    {
        int code = WaitForExit(timeout);
        Assert.True(code == 0, $"the tree child (pid {Id}) exited with code {code}; stderr: {Stderr()}");
    }

    /// <summary>SIGKILL (on Unix): no finalizers, no Dispose, no flush; returns once the process is gone.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.ToString();
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }

        _process.Dispose();
        _lines.Dispose();
    }
}
