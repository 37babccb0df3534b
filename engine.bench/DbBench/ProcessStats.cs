using System.Diagnostics;
using System.Globalization;

namespace AimLsm.Bench.DbBench;

/// <summary>
/// Process-wide counters read around a workload: bytes written to storage (/proc/self/io <c>write_bytes</c>: bytes
/// this process caused to be sent to the block layer, counted when pages are dirtied, page-cache rewrites of the
/// same page counted once), peak RSS (/proc/self/status <c>VmHWM</c>, reset through /proc/self/clear_refs before
/// each workload where the kernel allows it) and managed bytes allocated by every thread.
/// All figures are for the whole process; engines run one after another, so a figure belongs to the engine that ran.
/// </summary>
internal static partial class ProcessStats
{
    /// <summary>
    /// Writes back every dirty page in the system (libc <c>sync</c>) before a workload, untimed, so that an fsync-bound
    /// workload does not pay for the page cache the previous workload left behind. A no-op off Linux.
    /// </summary>
    public static void SettleDisk()
    {
        if (OperatingSystem.IsLinux())
        {
            Sync();
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "sync")]
    private static partial void Sync();

    /// <summary>How write amplification is measured here, for the report.</summary>
    public static string WriteSource { get; } = File.Exists("/proc/self/io") && ReadProcIo("write_bytes") >= 0
        ? "/proc/self/io write_bytes"
        : "bytes on disk (no /proc/self/io)";

    public static bool HasWriteBytes => WriteSource.StartsWith("/proc", StringComparison.Ordinal);

    /// <summary>Whether peak RSS is per workload (reset works) or since the process started.</summary>
    public static bool PeakRssResets { get; private set; }

    public static long WriteBytes() => HasWriteBytes ? ReadProcIo("write_bytes") : 0;

    public static long AllocatedBytes() => GC.GetTotalAllocatedBytes(precise: true);

    /// <summary>Resets the kernel's peak-RSS mark (Linux: write 5 to /proc/self/clear_refs).</summary>
    public static void ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            PeakRssResets = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            PeakRssResets = false;
        }
    }

    /// <summary>Peak resident set size in bytes.</summary>
    public static long PeakRss()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    string kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        using var p = Process.GetCurrentProcess();
        return p.PeakWorkingSet64;
    }

    public static long DirectorySize(string path)
    {
        if (!Directory.Exists(path))
        {
            return 0;
        }
        long total = 0;
        foreach (string f in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
        {
            try
            {
                total += new FileInfo(f).Length;
            }
            catch (IOException)
            {
                // Deleted by a background job while we looked.
            }
        }
        return total;
    }

    private static long ReadProcIo(string field)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/io"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line[(field.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return -1;
    }
}
