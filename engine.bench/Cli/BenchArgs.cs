using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace AimLsm.Bench.Cli;

/// <summary>
/// The kinds of option the bench's commands take, as System.CommandLine options with the bench's checks: integers
/// with a lower (and upper) bound, written with or without '_' (<c>--num 10_000_000</c>), comma-separated lists of
/// known names (<c>--engines aimlsm,rocksdb</c>), one of a few names, flags and free text. A bad value is a parse
/// error whose message names the option and the value, which <see cref="BenchCommandLine"/> prints as one line.
/// </summary>
internal static class BenchArgs
{
    public static Option<int> Int(string name, string description, int @default, int min = 1, int max = int.MaxValue) =>
        new(name)
        {
            Description = description,
            HelpName = "N",
            DefaultValueFactory = _ => @default,
            CustomParser = r => (int)Parse(r, name, min, max),
        };

    public static Option<long> Long(string name, string description, long @default, long min = 1) =>
        new(name)
        {
            Description = description,
            HelpName = "N",
            DefaultValueFactory = _ => @default,
            CustomParser = r => Parse(r, name, min, long.MaxValue),
        };

    /// <summary>A comma-separated list of positive integers (<c>--threads 1,2,4</c>).</summary>
    public static Option<int[]> Ints(string name, string helpName, string description, int[] @default) =>
        new(name)
        {
            Description = description,
            HelpName = helpName,
            Arity = ArgumentArity.ExactlyOne,
            DefaultValueFactory = _ => @default,
            CustomParser = r =>
            {
                string[] items = r.Tokens[0].Value.Split(',', StringSplitOptions.TrimEntries);
                var values = new int[items.Length];
                for (int i = 0; i < items.Length; i++)
                {
                    values[i] = (int)Parse(r, name, items[i], 1, int.MaxValue);
                }
                return values;
            },
        };

    /// <summary>A comma-separated list of names from <paramref name="allowed"/>; null when absent, which means all of them
    /// (no default value, so help says "all" rather than listing them twice).</summary>
    public static Option<string[]> List(string name, string what, string[] allowed) =>
        new(name)
        {
            Description = $"{What(what)}s to run, comma-separated: {string.Join(",", allowed)} (default: all)",
            HelpName = "LIST",
            Arity = ArgumentArity.ExactlyOne,

            // Absent means all: without a default factory System.CommandLine hands back an empty array, which ran no
            // engine and no workload at all.
            DefaultValueFactory = _ => allowed,
            CustomParser = r =>
            {
                string[] items = r.Tokens[0].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                foreach (string item in items)
                {
                    if (!allowed.Contains(item))
                    {
                        r.AddError($"{name}: unknown {what} '{item}'; known: {string.Join(",", allowed)}");
                    }
                }
                if (items.Length == 0)
                {
                    r.AddError($"{name} needs at least one {what}");
                }
                return items;
            },
        };

    /// <summary>One of <paramref name="allowed"/>, or <paramref name="default"/> when absent.</summary>
    public static Option<string?> Choice(string name, string helpName, string description, string[] allowed, string? @default = null)
    {
        var option = new Option<string?>(name) { Description = description, HelpName = helpName };
        if (@default is not null)
        {
            option.DefaultValueFactory = _ => @default;
        }
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 1 && !allowed.Contains(r.Tokens[0].Value))
            {
                r.AddError($"{name}: unknown {helpName.ToLowerInvariant()} '{r.Tokens[0].Value}'; known: {string.Join(", ", allowed)}");
            }
        });
        return option;
    }

    public static Option<string?> Text(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName };

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>Whether the user gave <paramref name="option"/> (not only its default).</summary>
    public static bool Given(this ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    private static long Parse(ArgumentResult r, string name, long min, long max) => Parse(r, name, r.Tokens[0].Value, min, max);

    private static long Parse(ArgumentResult r, string name, string text, long min, long max)
    {
        if (long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)
            && n >= min && n <= max)
        {
            return n;
        }
        string range = max == long.MaxValue || max == int.MaxValue ? $"an integer of at least {min}" : $"an integer from {min} to {max}";
        r.AddError($"{name} needs {range}, not '{text}'");
        return min;
    }

    private static string What(string what) => char.ToUpperInvariant(what[0]) + what[1..];
}
