using System.Globalization;

namespace AimLsm.Tests.Query;

/// <summary>
/// Random AimQL expressions for <see cref="PythonDifferentialTests"/>, over the leaves of
/// <see cref="PythonDifferentialTests.Fixture"/>: literals (non-ASCII str literals only when python3's Unicode is the
/// tables'), params present, None and missing at each depth, run fields, NFKC spellings of names; unary, arithmetic,
/// comparison chains, and/or, conditionals, containers, subscripts, slices, builtins and str methods. Compound parts
/// are parenthesized so every text parses. Deterministic for a seed.
/// </summary>
internal sealed class PythonExpressionGenerator(Random random, bool unicodeLiterals)
{
    private static readonly string[] AsciiLeaves =
    [
        "0", "1", "2", "3", "-1", "7", "10", "100", "9223372036854775807",
        "0.0", "0.5", "1.5", "-2.25", "1e-5", "1e308", "3.0",
        "''", "'a'", "'ab'", "'B'", "'abc'", "' a b '", "'hello wORLD'", "'x1y-z'",
        "True", "False", "None",
        "run.hparams.i", "run.hparams.z", "run.hparams.f", "run.hparams.s", "run.hparams.b", "run.hparams.big",
        "run.hparams.l", "run.hparams.d", "run.hparams.missing", "run.hparams.d.k", "run.hparams.d.none", "run.hparams.d.missing",
        "run.hparams.none", "run.hparams.none.x", "run.hparams.u", "run.hparams.g", "run['hparams', 'i']", "run['hparams']['s']",
        "run.hparams.l[0]", "run.hparams.l[5]", "run['hparams', '']", "run['']", "run.nonexistent", "run.missing.deeper",
        "run.none_top", "run.none_top.x", "run.hparams.ｉ", "run.hparams.𝐬",
        "run.name", "run.tags", "run.hash", "run.experiment", "run.duration", "run.end_time", "run.creation_time",
        "(run.end_time - run.creation_time == run.duration)",
    ];

    private static readonly string[] UnicodeLeaves =
    [
        "'ß'", "'ﬁ'", "'ΑΣ'", "'ὈΔΥΣΣΕΎΣ'", "'İ'", "'ǅ'", "'straße'", "'ǈ-ŉ'", "'ΣΑ Σ.'", "'ﬀ ǆ ΐ'", "'Ⅻ ⓐ'",
    ];

    private static readonly string[] Methods =
    [
        "lower()", "upper()", "casefold()", "title()", "capitalize()", "swapcase()", "strip()", "strip('a')", "lstrip()",
        "rstrip('b')", "startswith('a')", "endswith(('b', 'c'))", "find('b')", "count('a')",
    ];

    private static readonly string[] Compare = ["<", "<=", ">", ">=", "==", "!=", "in", "not in", "is", "is not"];

    private static readonly string[] Small = ["0", "1", "2", "3", "-1", "-2"];

    /// <summary>An expression of at most <paramref name="depth"/> levels of operators.</summary>
    public string Expression(int depth)
    {
        if (depth <= 0)
        {
            return Leaf();
        }

        string Sub() => Expression(depth - 1);
        switch (random.Next(34))
        {
            case < 4:
                return Leaf();
            case < 6:
                return $"({Pick("-", "+", "not ")}{Sub()})";
            case < 10:
                return $"({Sub()} {Pick("+", "-", "*", "/", "//", "%")} {Sub()})";
            case 10:
                return $"({Sub()} ** {Pick(Small)})";
            case < 15:
                return $"({Sub()} {Pick(Compare)} {Sub()})";
            case < 17:
                return $"({Sub()} {Pick(Compare)} {Sub()} {Pick(Compare)} {Sub()})";
            case < 20:
                return $"({Sub()} {Pick("and", "or")} {Sub()})";
            case < 22:
                return $"({Sub()} if {Sub()} else {Sub()})";
            case < 24:
                string a = Sub();
                string b = Sub();
                return string.Format(CultureInfo.InvariantCulture, Pick("[{0}, {1}]", "({0}, {1})", "[{0}]", "({0},)", "{{'k': {0}}}", "[]"), a, b);
            case < 26:
                return $"({Sub()})[{Pick(Small)}]";
            case 26:
                return $"({Sub()})[{Pick("1:", ":2", "::-1", "-2:", "0:3:2")}]";
            case < 29:
                return $"{Pick("len", "abs", "round", "any", "all", "sum", "min", "max")}({Sub()})";
            case < 30:
                return $"{Pick("min", "max", "round")}({Sub()}, {Sub()})";
            default:
                return $"({Sub()}).{Pick(Methods)}";
        }
    }

    private string Leaf() => unicodeLiterals && random.Next(8) == 0 ? Pick(UnicodeLeaves) : Pick(AsciiLeaves);

    private string Pick(params string[] options) => options[random.Next(options.Length)];
}
