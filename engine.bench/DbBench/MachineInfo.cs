using System.Globalization;
using System.Runtime.InteropServices;

namespace AimLsm.Bench.DbBench;

/// <summary>The machine a run happened on, for the report header: cores, memory, CPU, OS, runtime and the file system under the data directory.</summary>
internal static class MachineInfo
{
    public static string Describe(string dataDirectory)
    {
        string cpu = ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        string memory = ReadField("/proc/meminfo", "MemTotal") is { } m
            ? $"{long.Parse(m.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture) / 1048576.0:F1} GiB RAM"
            : "memory unknown";
        return $"{Environment.ProcessorCount} cores ({cpu}), {memory}, {Disk(dataDirectory)}; " +
               $"{RuntimeInformation.OSDescription}; {RuntimeInformation.FrameworkDescription}; {LoadAverage()}";
    }

    /// <summary>The 1/5/15-minute load averages: other work on the machine skews every figure, so the report says.</summary>
    public static string LoadAverage()
    {
        try
        {
            string[] f = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"load average {f[0]} {f[1]} {f[2]}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "load average unknown";
        }
    }

    /// <summary>The device and file system of the longest mount point containing <paramref name="path"/> (Linux).</summary>
    private static string Disk(string path)
    {
        try
        {
            string full = Path.GetFullPath(path);
            string best = "", device = "", fs = "";
            foreach (string line in File.ReadLines("/proc/mounts"))
            {
                string[] f = line.Split(' ');
                if (f.Length > 2 && full.StartsWith(f[1], StringComparison.Ordinal) && f[1].Length > best.Length)
                {
                    (best, device, fs) = (f[1], f[0], f[2]);
                }
            }
            var drive = new DriveInfo(best.Length > 0 ? best : full);
            return $"data on {device} ({fs}, {drive.TotalSize / 1e9:F0} GB)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return "disk unknown";
        }
    }

    private static string? ReadField(string file, string name)
    {
        try
        {
            foreach (string line in File.ReadLines(file))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && line[..colon].Trim() == name)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
