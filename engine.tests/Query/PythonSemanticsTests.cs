using AimLsm.Query;
using AimLsm.Query.Runtime;

namespace AimLsm.Tests.Query;

/// <summary>Values and errors as CPython gives them (each expected value is CPython 3.12's repr).</summary>
public sealed class PythonSemanticsTests
{
    public static TheoryData<string, string> Values => new()
    {
        // Numbers: int and float mix, floor division and modulo toward negative infinity, exact comparisons.
        { "7 // -2", "-4" },
        { "-7 % 3", "2" },
        { "5 % -3", "-1" },
        { "-5 // 3", "-2" },
        { "5.0 % -3", "-1.0" },
        { "7.5 // 2", "3.0" },
        { "1 // 0.1", "9.0" },
        { "-0.0 // 1", "-0.0" },
        { "7 / 2", "3.5" },
        { "2 ** -1", "0.5" },
        { "2 ** 0.5", "1.4142135623730951" },
        { "-2 ** 2", "-4" },
        { "(-8) ** 2", "64" },
        { "2 ** 3 ** 2", "512" },
        { "True + True", "2" },
        { "True == 1", "True" },
        { "1 == 1.0", "True" },
        { "0.1 + 0.2", "0.30000000000000004" },
        { "1e-5", "1e-05" },
        { "1e16", "1e+16" },
        { "123456789012345.0", "123456789012345.0" },
        { "1e308 * 10", "inf" },
        { "9007199254740993 > 9007199254740992.0", "True" },
        { "9007199254740993 == 9007199254740992.0", "False" },
        { "2 ** 62 + (2 ** 62 - 1)", "9223372036854775807" },
        { "-9223372036854775807 - 1", "-9223372036854775808" },
        { "0x_ff + 0o17 + 0b101 + 1_000", "1275" },
        { "round(2.5)", "2" },
        { "round(3.5)", "4" },
        { "round(-0.5)", "0" },
        { "round(1234, -2)", "1200" },
        { "round(1250, -2)", "1200" },
        { "round(2.675, 2)", "2.67" },
        { "abs(-3)", "3" },
        { "min(3, 1, 2)", "1" },
        { "max('ab', 'b')", "'b'" },
        { "max([1, 5.5, 3])", "5.5" },
        { "sum([1, 2.5])", "3.5" },
        { "sum([[1], [2]], [])", "[1, 2]" },
        { "any([]) or all([])", "True" },

        // Comparisons, chains, truthiness and the values of and/or.
        { "1 < 2 < 3", "True" },
        { "3 > 2 > 2", "False" },
        { "'Ab' < 'a'", "True" },
        { "'\\uffff' < '\\U0001F600'", "True" },
        { "[1, 2] < [1, 3]", "True" },
        { "(1, 2) < (1, 2, 0)", "True" },
        { "[1] == (1,)", "False" },
        { "[1, [2, 3]] == [1, [2, 3]]", "True" },
        { "{'a': 1} == {'a': 1.0}", "True" },
        { "None == 0", "False" },
        { "None < 1", "False" },
        { "None >= None", "False" },
        { "None is None", "True" },
        { "[] is []", "False" },
        { "True is 1", "False" },
        { "1 is not None", "True" },
        { "0 or 'x'", "'x'" },
        { "'' and 1", "''" },
        { "1 and 2", "2" },
        { "None or [] or 0", "0" },
        { "not []", "True" },
        { "1 if 0 else 2", "2" },
        { "'x' in 'xyz'", "True" },
        { "3 in [1, 2, 3]", "True" },
        { "1.0 in [1]", "True" },
        { "'a' in {'a': 1}", "True" },
        { "1 in None", "False" },
        { "1 not in None", "True" },
        { "{1: 'x'}[1.0]", "'x'" },
        { "{'a': 1}['b'] if False else 0", "0" },
        { "'ß'.upper() == 'SS'", "True" },
        { "'ﬁ'.upper() == 'FI'", "True" },
        { "'ΣΑΣ'.lower()", "'σας'" },
        { "'straße'.casefold() == 'strasse'", "True" },
        { "'hello wORLD'.title()", "'Hello World'" },
        { "'hELLO'.capitalize()", "'Hello'" },
        { "'aBc'.swapcase()", "'AbC'" },
        { "Ｔｒｕｅ", "True" },
        { "{'a': {'b': 2}}.a.b", "2" },

        // Strings, lists, slices, methods.
        { "'a' 'b' \"c\"", "'abc'" },
        { "r'\\d' + '\\x41\\n'", "'\\\\dA\\n'" },
        { "len('😀')", "1" },
        { "'a😀b'[1:]", "'😀b'" },
        { "'abc'[-1]", "'c'" },
        { "'abcdef'[1:5:2]", "'bd'" },
        { "[1, 2, 3][::-1]", "[3, 2, 1]" },
        { "(1, 2, 3)[-2:]", "(2, 3)" },
        { "'ab' * 3", "'ababab'" },
        { "3 * [0]", "[0, 0, 0]" },
        { "'ab' * -1", "''" },
        { "'Hello'.lower() + 'x'.upper()", "'helloX'" },
        { "' x '.strip() + 'xxay'.lstrip('x') + 'ayy'.rstrip('y')", "'xaya'" },
        { "'banana'.count('an')", "2" },
        { "'banana'.find('n')", "2" },
        { "'b😀n'.find('n')", "2" },
        { "[1, 1, 2].count(1)", "2" },
        { "'resnet50'.startswith(('vit', 'res'))", "True" },

        // Dates and durations, all UTC.
        { "datetime(2026, 1, 31) + timedelta(days=1)", "datetime.datetime(2026, 2, 1, 0, 0)" },
        { "(datetime(2026, 1, 2) - datetime(2026, 1, 1)).total_seconds()", "86400.0" },
        { "timedelta(hours=-1).days", "-1" },
        { "timedelta(hours=-1)", "datetime.timedelta(days=-1, seconds=82800)" },
        { "timedelta(0) + timedelta(milliseconds=1)", "datetime.timedelta(microseconds=1000)" },
        { "timedelta()", "datetime.timedelta(0)" },
        { "timedelta(hours=-1).seconds", "82800" },
        { "timedelta(seconds=1.5) * 2 == timedelta(seconds=3)", "True" },
        { "datetime(2026, 3, 9).weekday()", "0" },
        { "datetime(2026, 3, 9).isoweekday()", "1" },
        { "datetime(2026, 1, 1).isoformat()", "'2026-01-01T00:00:00'" },
        { "datetime(2026, 1, 1, 13, 5, 0, 7).isoformat()", "'2026-01-01T13:05:00.000007'" },
        { "datetime(2026, 1, 1, 13, 5).strftime('%Y-%m-%d %H:%M %p %I %j %a %A %b %B %% %q')", "'2026-01-01 13:05 PM 01 001 Thu Thursday Jan January % %q'" },
        { "datetime(1970, 1, 2).timestamp()", "86400.0" },
        { "datetime.fromtimestamp(86400) == datetime(1970, 1, 2)", "True" },
        { "datetime.now() == datetime(2026, 3, 10)", "True" },
        { "datetime(year=2026, month=2, day=3).day", "3" },

        // Regex (True or None instead of a match object).
        { "re.fullmatch('a+', 'aaa')", "True" },
        { "re.match('b', 'ab')", "None" },
        { "re.search('b', 'ab')", "True" },
        { "re.match('(?P<x>a)(?P=x)', 'aa')", "True" },
        { "re.match('a|b', 'b')", "True" },
        { "re.fullmatch('a|ab', 'ab')", "True" },
    };

    public static TheoryData<string, string> Errors => new()
    {
        { "1 / 0", "ZeroDivisionError" },
        { "1 // 0", "ZeroDivisionError" },
        { "1 % 0", "ZeroDivisionError" },
        { "1.0 / 0", "ZeroDivisionError" },
        { "0 ** -1", "ZeroDivisionError" },
        { "'a' + 1", "TypeError" },
        { "'a' < 1", "TypeError" },
        { "[1] < ['a']", "TypeError" },
        { "len(5)", "TypeError" },
        { "'%s' % 1", "TypeError" },
        { "{[1]: 2}", "TypeError" },
        { "re.match(1, 'a')", "TypeError" },
        { "sum(['a'], 'b')", "TypeError" },
        { "1 in 5", "TypeError" },
        { "1 in 'abc'", "TypeError" },
        { "[1][5]", "IndexError" },
        { "min([])", "ValueError" },
        { "datetime(2026, 2, 30)", "ValueError" },
        { "(-8) ** 0.5", "ValueError" },
        { "2.0 ** 10000", "OverflowError" },
        { "datetime(9999, 12, 31) + timedelta(days=1)", "OverflowError" },
        { "None.lower()", "AttributeError" },
        { "(1).real", "AttributeError" },
        { "'abc'[1.0]", "TypeError" },
        { "'abc'[::0]", "ValueError" },
        { "{'a': 1}['b']", "KeyError" },
        { "{'a': 1}.b", "KeyError" },
        { "None[0]", "TypeError" },
        { "None.x", "AttributeError" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Expression_has_the_python_value(string expression, string expected) =>
        Assert.Equal(expected, PyFormat.Repr(QueryTestHost.Evaluate(expression)));

    [Theory]
    [MemberData(nameof(Errors))]
    public void Expression_raises_the_python_error(string expression, string errorType)
    {
        var e = Assert.Throws<QueryEvaluationException>(() => QueryTestHost.Evaluate(expression));
        Assert.Equal(errorType, e.ErrorType);
    }

    [Theory]
    [InlineData("2 ** 63")]
    [InlineData("9223372036854775807 + 1")]
    [InlineData("-(-9223372036854775807 - 1)")]
    [InlineData("abs(-9223372036854775807 - 1)")]
    [InlineData("(-9223372036854775807 - 1) // -1")]
    [InlineData("3037000500 * 3037000500")]
    public void Integer_overflow_is_a_limit_error(string expression) =>
        Assert.Throws<QueryLimitException>(() => QueryTestHost.Evaluate(expression));

    [Fact]
    public void Operations_on_param_values_match_the_folded_constants()
    {
        var run = new FakeRun("p")
        {
            Params = new Dictionary<string, object?>
            {
                ["a"] = 7L,
                ["b"] = -2L,
                ["x"] = 7.5,
                ["s"] = "ab",
                ["l"] = new List<object?> { 1L, 2L, 3L },
            },
        };
        Assert.Equal("-4", PyFormat.Repr(QueryTestHost.Evaluate("run.a // run.b", run)));
        Assert.Equal("-1", PyFormat.Repr(QueryTestHost.Evaluate("run.a % run.b", run)));
        Assert.Equal("3.0", PyFormat.Repr(QueryTestHost.Evaluate("run.x // 2", run)));
        Assert.Equal("'ababab'", PyFormat.Repr(QueryTestHost.Evaluate("run.s * 3", run)));
        Assert.Equal("[3, 2, 1]", PyFormat.Repr(QueryTestHost.Evaluate("run.l[::-1]", run)));
        Assert.Equal("True", PyFormat.Repr(QueryTestHost.Evaluate("run.b < 0 < run.a < run.x", run)));
        Assert.Equal("<Undefined>", PyFormat.Repr(QueryTestHost.Evaluate("run.missing.deeper[3]", run)));
    }
}
