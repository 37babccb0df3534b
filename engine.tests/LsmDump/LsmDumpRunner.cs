using AimLsm.Tools.LsmDump;

namespace AimLsm.Tests.LsmDump;

/// <summary>Runs lsm-dump in-process and captures what it printed.</summary>
public static class LsmDumpRunner
{
    public readonly record struct Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int code = Tools.LsmDump.LsmDump.Run(args, stdout, stderr, interactive: false);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }
}
