namespace AimLsm.Tools.LsmDump;

/// <summary>The process entry point; everything else is in <see cref="LsmDump.Run"/> so tests can call it in-process.</summary>
public static class Program
{
    /// <summary>Runs lsm-dump on the console; returns its exit code.</summary>
    public static int Main(string[] args) =>
        LsmDump.Run(args, Console.Out, Console.Error, interactive: Shared.ConsoleProgress.IsTerminal);
}
