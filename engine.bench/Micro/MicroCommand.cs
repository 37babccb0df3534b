using BenchmarkDotNet.Running;

namespace AimLsm.Bench.Micro;

/// <summary>The <c>micro</c> subcommand: BenchmarkDotNet's switcher over every micro-benchmark, arguments passed through.</summary>
internal static class MicroCommand
{
    public static int Run(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly).Run(args);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
