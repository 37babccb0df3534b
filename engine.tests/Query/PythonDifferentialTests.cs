using System.Diagnostics;
using System.Globalization;
using System.Text;
using AimLsm.Query;
using AimLsm.Query.Binding;
using AimLsm.Query.Compilation;
using AimLsm.Query.Runtime;
using AimLsm.Query.Runtime.Unicode;

namespace AimLsm.Tests.Query;

/// <summary>
/// Differential property against CPython: random expressions (arithmetic, comparisons, str methods and the builtins
/// AimQL allows, over literals and over a fixture run with None values and missing keys) evaluated by the compiled
/// AimQL pipeline and by python3, whose side models Aim's SafeNone/Undefined from the README's rules
/// (<c>testdata/query/aimql_oracle.py</c>). One python3 process answers a whole batch. CI runs 10,000 expressions
/// (AIMLSM_QUERY_CASES=N for more; AIMLSM_QUERY_SEED to pick the seed). Every disagreement ever found is kept in
/// <c>testdata/query/python-differential-corpus.txt</c> and replayed.
/// </summary>
public sealed class PythonDifferentialTests
{
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("AIMLSM_QUERY_CASES"), out int n) ? n : 10_000;

    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("AIMLSM_QUERY_SEED"), out int s) ? s : 15;

    private static readonly TimeSpan PythonTimeout = TimeSpan.FromSeconds(60);

    private static readonly QueryOptions Options = new();

    /// <summary>The outcome of a query that fails while compiling, on a limit (a constant that overflows).</summary>
    private const string CompileLimit = "L(compile)";

    [PythonFact]
    public void Aimql_agrees_with_python_on_random_expressions()
    {
        bool unicode = PythonOracle.UnicodeVersion == UnicodeTables.Instance.UnicodeVersion;
        var generator = new PythonExpressionGenerator(new Random(Seed), unicode);
        var expressions = new List<string>(Cases);
        for (int i = 0; i < Cases; i++)
        {
            expressions.Add(generator.Expression(1 + (i % 4)));
        }

        AssertAgreement(expressions, $"seed {Seed}{(unicode ? "" : ", without non-ASCII str literals (python3's Unicode differs from the tables')")}");
    }

    [PythonFact]
    public void Corpus_of_past_disagreements_agrees_with_python()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "testdata", "query", "python-differential-corpus.txt");
        List<string> expressions = [.. File.ReadAllLines(path).Where(l => l.Length > 0 && !l.StartsWith('#'))];
        Assert.NotEmpty(expressions);
        AssertAgreement(expressions, "corpus");
    }

    private static void AssertAgreement(List<string> expressions, string what)
    {
        FakeRun run = Fixture();
        var timer = Stopwatch.StartNew();
        string[] python = PythonOracle.Evaluate(FixtureJson(run), Options.MaxStringLength, Options.MaxListLength, expressions, PythonTimeout);
        var failures = new List<string>();
        for (int i = 0; i < expressions.Count; i++)
        {
            string ours = Evaluate(expressions[i], run);
            // A constant subtree that fails (9223372036854775807 ** 2) fails while compiling; Python, evaluating in
            // order, may meet another error first. Both fail, which is what a query sees.
            bool agree = ours == python[i] || (ours == CompileLimit && (python[i] == "L" || python[i].StartsWith("E:", StringComparison.Ordinal)));
            if (!agree)
            {
                failures.Add($"{expressions[i]}\n    python: {python[i]}\n    aimql:  {ours}");
            }
        }

        Assert.True(failures.Count == 0,
            $"{failures.Count} of {expressions.Count} expressions ({what}) disagree with python3 (add them to " +
            $"testdata/query/python-differential-corpus.txt once understood):\n{string.Join("\n", failures.Take(30))}");
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(60), $"{expressions.Count} cases took {timer.Elapsed}");
    }

    /// <summary>AimQL's outcome of <paramref name="text"/> on <paramref name="run"/>, encoded as the oracle encodes Python's.</summary>
    internal static string Evaluate(string text, FakeRun run)
    {
        // Only the value delegate: compiling is most of the time a case takes, and DifferentialPropertyTests already
        // holds the predicate delegate to the value's truthiness.
        Func<EvalContext, object?> value;
        BoundQuery bound;
        try
        {
            bound = QueryCompilation.Bind(text, sequenceQuery: false, fixedKind: null, CompileLimits.Of(Options));
            value = QueryCompiler.CompileValue(bound.Root);
        }
        catch (QueryLimitException)
        {
            return CompileLimit;
        }
        catch (AimQueryException e)
        {
            return "C:" + e.GetType().Name + ": " + e.Message;
        }

        try
        {
            return Encode(value(QueryTestHost.Context(bound, run, Options)));
        }
        catch (QueryLimitException)
        {
            return "L";
        }
        catch (QueryEvaluationException e)
        {
            return "E:" + e.ErrorType;
        }
    }

    /// <summary>The oracle's encoding of a value (see aimql_oracle.py).</summary>
    internal static string Encode(object? value)
    {
        switch (value)
        {
            case null:
                return "N";
            case PyUndefined:
                return "U";
            case bool b:
                return b ? "b:True" : "b:False";
            case long l:
                return "i:" + l.ToString(CultureInfo.InvariantCulture);
            case double d:
                return double.IsNaN(d) ? "f:nan" : "f:" + BitConverter.DoubleToInt64Bits(d).ToString(CultureInfo.InvariantCulture);
            case string s:
                var points = new StringBuilder("s:");
                for (int i = 0; i < s.Length;)
                {
                    int cp = PyCasing.CodePointAt(s, i, out int width);
                    points.Append(i == 0 ? "" : ",").Append(cp.ToString("X", CultureInfo.InvariantCulture));
                    i += width;
                }

                return points.ToString();
            case List<object?> list:
                return "l[" + string.Join(",", list.Select(Encode)) + "]";
            case object?[] tuple:
                return "t(" + string.Join(",", tuple.Select(Encode)) + ")";
            default:
                return PyDict.IsDict(value)
                    ? "d{" + string.Join(",", PyDict.Items(value).Select(item => Encode(item.Key) + ":" + Encode(item.Value))) + "}"
                    : "?" + PyOps.TypeName(value);
        }
    }

    /// <summary>
    /// The run the expressions read: <see cref="ExpressionGenerator.Run"/>'s params (values of every type) with stored
    /// Nones at each depth and non-ASCII strings added, sub-second times, and no experiment.
    /// </summary>
    internal static FakeRun Fixture()
    {
        FakeRun basis = ExpressionGenerator.Run();
        var hparams = (Dictionary<string, object?>)basis.Params["hparams"]!;
        ((Dictionary<string, object?>)hparams["d"]!)["none"] = null;
        hparams["none"] = null;
        hparams["u"] = "Straße";
        hparams["g"] = "ΌΣΟΣ ǅ ﬁx";
        basis.Params["none_top"] = null;
        DateTime created = basis.CreatedAt.AddTicks(1_234_567);
        return new FakeRun(basis.Hash)
        {
            Name = basis.Name,
            TagList = basis.TagList,
            CreatedAt = created,
            EndTime = created.AddTicks(98_765_432_123),
            Params = basis.Params,
        };
    }

    private static Dictionary<string, object?> FixtureJson(FakeRun run) => new()
    {
        ["params"] = run.Params,
        ["fields"] = new Dictionary<string, object?>
        {
            ["name"] = run.Name,
            ["hash"] = run.Hash,
            ["tags"] = run.TagList,
            ["experiment"] = run.Experiment,
            ["created_ticks"] = (run.CreatedAt - DateTime.UnixEpoch).Ticks,
            ["end_ticks"] = run.EndTime is { } end ? (end - DateTime.UnixEpoch).Ticks : null,
            ["now_ticks"] = (QueryFixture.Now - DateTime.UnixEpoch).Ticks,
        },
    };
}
