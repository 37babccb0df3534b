using AimLsm.Query;

namespace AimLsm.Tests.Query;

/// <summary>Errors are clear: positions and carets for syntax, allowed names for names, one report per query for evaluation.</summary>
public sealed class QueryErrorTests
{
    [Fact]
    public void A_syntax_error_names_line_and_column_and_shows_a_caret()
    {
        var e = Assert.Throws<QuerySyntaxException>(() => AimQuery.CompileRunQuery("run.hparams.lr >"));
        Assert.Equal(1, e.Line);
        Assert.Equal(17, e.Column);
        Assert.Equal(
            "invalid syntax: expected an expression, found the end of the query (line 1, column 17)\n    run.hparams.lr >\n                    ^",
            e.Message);
    }

    [Fact]
    public void The_caret_points_into_the_right_line_of_a_multi_line_query()
    {
        var e = Assert.Throws<QuerySyntaxException>(() => AimQuery.CompileRunQuery("run.hparams.lr > 0\nand run.name ==\n   == 'x'"));
        Assert.Equal(3, e.Line);
        Assert.Equal(4, e.Column);
        Assert.EndsWith("\n       == 'x'\n       ^", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run.hparams.lr > 0)", 19, "expected the end of the query")]
    [InlineData("(run.hparams.lr > 0", 20, "expected ')'")]
    [InlineData("run.name == 'abc", 13, "unterminated string literal")]
    [InlineData("run.x = 1", 7, "assignments are not allowed")]
    [InlineData("run.x $ 1", 7, "invalid character '$'")]
    [InlineData("run.x & 1", 7, "bitwise operator '&'")]
    [InlineData("run.x, run.y", 6, "a query is one expression")]
    [InlineData("run.hparams.lr > 007", 18, "leading zeros")]
    [InlineData("run.x == 1j", 10, "complex numbers")]
    [InlineData("run.x <> 1", 7, "use '!='")]
    [InlineData("{1, 2}", 1, "set literals")]
    [InlineData("run.x if run.y", 15, "expected 'else'")]
    [InlineData("run.not", 5, "keyword")]
    public void Syntax_errors_say_what_and_where(string query, int column, string fragment)
    {
        var e = Assert.Throws<QuerySyntaxException>(() => AimQuery.CompileRunQuery(query));
        Assert.True(column == e.Column, $"column {e.Column}: {e.Message}");
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_name_lists_what_is_allowed()
    {
        var e = Assert.Throws<QueryNameException>(() => AimQuery.CompileRunQuery("runs.hparams.lr > 0"));
        Assert.Equal("runs", e.Name);
        Assert.Contains("name 'runs' is not defined; allowed names: run, True, False, None, len, abs, min, max, round, sum, any, all, datetime, timedelta, re", e.Message, StringComparison.Ordinal);
        Assert.Contains("run", e.Allowed);
        Assert.Equal(1, e.Column);
    }

    [Fact]
    public void An_unknown_sequence_field_lists_the_fields()
    {
        var e = Assert.Throws<QueryNameException>(() => AimQuery.CompileSequenceQuery("metric.nmae == 'loss'"));
        Assert.Contains("'metric' has no attribute 'nmae'; available: name, context, dtype, count, first_step, last_step, first, last, min, max", e.Message, StringComparison.Ordinal);
        Assert.Equal(8, e.Column);
    }

    [Fact]
    public void A_misspelt_run_metrics_field_fails_when_compiling()
    {
        var e = Assert.Throws<QueryNameException>(() => AimQuery.CompileRunQuery("run.metrics['loss'].lst < 1"));
        Assert.Contains("run.metrics[...] has no attribute 'lst'", e.Message, StringComparison.Ordinal);
        Assert.Equal(21, e.Column);
    }

    [Fact]
    public void A_method_outside_the_allow_list_lists_the_allowed_methods()
    {
        var e = Assert.Throws<QueryNameException>(() => AimQuery.CompileRunQuery("run.name.format(1)"));
        Assert.Contains("method 'format' is not allowed in queries; allowed methods: startswith, endswith, lower", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("len()", "missing required argument 'obj'")]
    [InlineData("len(1, 2)", "takes at most 1 argument")]
    [InlineData("len(obj=run.tags)", "takes no keyword arguments")]
    [InlineData("datetime(2026, 1, 1, tz=1)", "unexpected keyword argument 'tz'")]
    [InlineData("datetime(2026, 1, year=1)", "multiple values for argument 'year'")]
    [InlineData("min()", "expected at least 1 argument")]
    [InlineData("run.name.startswith()", "missing required argument 'prefix'")]
    public void Calls_with_wrong_arguments_are_refused_when_compiling(string query, string fragment)
    {
        var e = Assert.Throws<QueryNameException>(() => AimQuery.CompileRunQuery(query));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_constant_regex_fails_when_compiling_with_its_position()
    {
        var e = Assert.Throws<QueryEvaluationException>(() => AimQuery.CompileRunQuery("re.match('(a', run.name)"));
        Assert.Equal("re.error", e.ErrorType);
        Assert.Equal(10, e.Column);
    }

    [Fact]
    public void An_evaluation_error_counts_the_run_as_not_matching_and_is_reported_once()
    {
        RunQuery query = AimQuery.CompileRunQuery("run.hash == 'r6' or run.hparams.optimizer + 1 == 2", QueryFixture.Options);
        Assert.Equal(["r6"], query.Filter(QueryFixture.Runs()).Select(r => r.Hash));

        // The eight other runs that are not archived have a str optimizer, and str + int raises for each.
        Assert.Equal(8, query.Report.ErrorCount);
        Assert.Equal("r0", query.Report.FirstErrorRunHash);
        var first = Assert.IsType<QueryEvaluationException>(query.Report.FirstError);
        Assert.Equal("TypeError", first.ErrorType);
        Assert.Equal(
            "the query failed on 8 evaluations (counted as not matching); first, on run r0: TypeError: unsupported operand type(s) for +: 'str' and 'int'",
            query.Report.ToString());
    }

    [Fact]
    public void Sequence_evaluation_errors_name_the_sequence()
    {
        SequenceQuery query = AimQuery.CompileSequenceQuery("metric.name == 'epoch' and metric.context.subset.upper() == 'X'", QueryFixture.Options);
        Assert.Empty(query.Filter(QueryFixture.Runs()));
        Assert.Equal(1, query.Report.ErrorCount);
        Assert.Equal("epoch", query.Report.FirstErrorSequenceName);
        Assert.Contains("KeyError: 'subset'", query.Report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_compiled_query_object_has_its_own_report()
    {
        RunQuery a = AimQuery.CompileRunQuery("run.name.upper() == 'X'", QueryFixture.Options);
        RunQuery b = AimQuery.CompileRunQuery("run.name.upper() == 'X'", QueryFixture.Options);
        _ = a.Filter(QueryFixture.Runs()).ToList();
        Assert.Equal(1, a.Report.ErrorCount);
        Assert.False(b.Report.HasErrors);
        Assert.Equal("no errors", b.Report.ToString());
    }

    [Fact]
    public void Matches_evaluates_one_run()
    {
        List<FakeRun> runs = QueryFixture.Runs();
        RunQuery query = AimQuery.CompileRunQuery("run.hparams.lr == 0.01", QueryFixture.Options);
        Assert.True(query.Matches(runs[1]));
        Assert.False(query.Matches(runs[0]));
        SequenceQuery sequences = AimQuery.CompileSequenceQuery("metric.last > 0.3", QueryFixture.Options);
        Assert.True(sequences.Matches(runs[1], runs[1].SequenceList[0]));
        Assert.False(sequences.Matches(runs[0], runs[0].SequenceList[0]));
    }
}
