using System.CommandLine;
using BenchmarkDotNet.Running;

namespace AimLsm.Bench.Micro;

/// <summary>The <c>micro</c> subcommand: BenchmarkDotNet's switcher over every micro-benchmark, arguments passed through.</summary>
internal static class MicroCommand
{
    public static Command Create()
    {
        var command = new Command("micro",
            "BenchmarkDotNet micro-benchmarks; every further word goes to BenchmarkDotNet, e.g. micro --filter '*Crc*' "
            + "(its own help: micro -- --help)")
        {
            // BenchmarkDotNet parses the rest: System.CommandLine only hands it over.
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(parse => Run([.. parse.UnmatchedTokens]));
        return command;
    }

    private static int Run(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly).Run(args);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
