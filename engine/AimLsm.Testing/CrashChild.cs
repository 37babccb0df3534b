using System.Globalization;

namespace AimLsm.Testing;

/// <summary>
/// The child side of <see cref="CrashHarness"/>: call <see cref="Run"/> from the <c>Main</c> of a small console
/// project of yours with the arguments the harness passed, and the workload runs until the harness kills it.
/// </summary>
/// <example>
/// <code>
/// // Program.cs of the child project (it references AimLsm.Testing and your storage code):
/// return CrashChild.Run(args, ctx =>
/// {
///     using var db = Db.Open(ctx.Directory, CrashWorkload.Options(ctx.Seed));
///     ctx.Ready();
///     while (true) { ... ctx.Pending(text); write; ctx.Ack(); }
/// });
/// </code>
/// </example>
public static class CrashChild
{
    /// <summary>How many arguments the harness appends: directory, log path, seed, first step id.</summary>
    public const int ArgumentCount = 4;

    /// <summary>
    /// Runs <paramref name="workload"/> with the context the last <see cref="ArgumentCount"/> arguments describe
    /// (the ones before are yours, for choosing a workload). Returns the exit code: 0 if the workload returned, 2
    /// for a bad command line.
    /// </summary>
    public static int Run(string[] args, Action<CrashChildContext> workload)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(workload);
        if (args.Length < ArgumentCount
            || !int.TryParse(args[^2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int seed)
            || !long.TryParse(args[^1], NumberStyles.None, CultureInfo.InvariantCulture, out long firstId))
        {
            Console.Error.WriteLine("usage: <child> [your arguments] <directory> <log file> <seed> <first step id>");
            return 2;
        }
        using var context = new CrashChildContext(args[^4], args[^3], seed, firstId);
        workload(context);
        return 0;
    }
}
