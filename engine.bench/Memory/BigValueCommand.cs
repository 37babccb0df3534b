using System.CommandLine;
using AimLsm.Bench.Cli;
using AimLsm.Kv;
using System.Diagnostics;
using System.Globalization;
using AimLsm.Bench.DbBench;
using AimLsm.Tree;
using AimLsm.Encoding;

namespace AimLsm.Bench.Memory;

/// <summary>
/// The <c>bigvalue</c> workload (issue 14, point 4): peak resident memory of writing one large value, each case in a
/// fresh child process so that the figure is that case's alone (VmHWM of /proc/self/status never goes down, and a
/// runtime that has grown its heap once keeps it). Cases: <c>put</c>, <c>Db.Put</c> of the value then a flush of the
/// memtable into a table file; <c>track</c>, <c>Run.Track</c> of the value as a bytes record, then
/// <c>Run.Flush</c> and the repo's close (which flushes the memtable too); <c>object</c>, the same for an
/// <see cref="AimObject"/> whose one field is the value (an image's data: a field stored apart, through the queue). Each row gives VmHWM after the value was
/// allocated (the floor: the value itself, the runtime and the JIT), after the write and at the end, and the peak as a
/// multiple of the value (the goal: under 3x).
/// </summary>
internal static class BigValueCommand
{
    private static readonly string[] Cases = ["put", "track", "object"];

    public static Command Create()
    {
        var mb = BenchArgs.Int("--mb", "The value's size in MiB", 100, max: 240);
        var only = BenchArgs.Choice("--case", "CASE",
            "Run one case in this process and print its figures (what the parent runs in each child); without it every case "
            + "runs, each in a child process", Cases);
        var command = new Command("bigvalue", "Peak RSS of one large value through Db.Put and Run.Track, each in a fresh process") { mb, only };
        command.SetAction(parse => Run(parse.GetValue(mb), parse.GetValue(only)));
        return command;
    }

    private static int Run(int mb, string? only)
    {
        if (only is not null)
        {
            Console.WriteLine(Measure(only, mb));
            return 0;
        }

        Console.WriteLine($"| case ({mb} MiB value, fresh process each) | VmHWM value allocated MB | VmHWM after write MB | VmHWM at end MB | peak / value |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (string c in Cases)
        {
            string? row = RunChild(c, mb);
            if (row is null)
            {
                return 1;
            }

            Console.WriteLine(row);
        }

        return 0;
    }

    /// <summary>Runs one case in a child process (this executable again, with <c>--case</c>) and returns its row.</summary>
    private static string? RunChild(string name, int mb)
    {
        string self = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BigValueCommand).Assembly.Location); // run through the host: pass the dll
        }

        foreach (string a in (string[])["bigvalue", "--mb", mb.ToString(CultureInfo.InvariantCulture), "--case", name])
        {
            start.ArgumentList.Add(a);
        }

        using Process child = Process.Start(start) ?? throw new InvalidOperationException("bigvalue: cannot start a child process.");
        string output = child.StandardOutput.ReadToEnd();
        if (!child.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            child.Kill();
            Console.Error.WriteLine($"bigvalue: case '{name}' did not finish within 5 minutes.");
            return null;
        }

        if (child.ExitCode != 0)
        {
            Console.Error.WriteLine($"bigvalue: case '{name}' exited with {child.ExitCode}.");
            return null;
        }

        return output.Trim();
    }

    private static string Measure(string name, int mb)
    {
        var value = new byte[mb << 20];
        Random.Shared.NextBytes(value); // incompressible, and every page touched: the floor counts the value
        long allocated = ProcessStats.PeakRss();
        long afterWrite;
        string path = Path.Combine(Path.GetTempPath(), "aimlsm-bigvalue-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            if (name == "put")
            {
                using var db = Db.Open(path, new DbOptions { CreateIfMissing = true });
                db.Put("big"u8, value);
                afterWrite = ProcessStats.PeakRss();
                db.Flush();
            }
            else
            {
                using var repo = Repo.Open(path);
                using Run run = repo.CreateRun();
                object tracked = name == "track" ? value : new AimObject("aim.image") { Fields = { ["data"] = value } };
                run.Track(tracked, "payload", step: 0);
                run.Flush();
                afterWrite = ProcessStats.PeakRss();
            }

            GC.KeepAlive(value);
            long end = ProcessStats.PeakRss();
            string label = name switch
            {
                "put" => "Db.Put, then Db.Flush",
                "track" => "Run.Track (bytes), Run.Flush, Repo.Dispose",
                _ => "Run.Track (an object's bytes field), Run.Flush, Repo.Dispose",
            };
            return $"| {label} | {allocated / 1e6:F0} | {afterWrite / 1e6:F0} | {end / 1e6:F0} | {end / (double)value.Length:F2}x |";
        }
        finally
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
    }
}
