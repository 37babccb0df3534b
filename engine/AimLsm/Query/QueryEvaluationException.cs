namespace AimLsm.Query;

/// <summary>
/// An operation failed while a query was evaluated, the way Python would raise: <c>TypeError</c> for
/// <c>'a' + 1</c>, <c>ZeroDivisionError</c>, <c>AttributeError</c> for a method on None, <c>IndexError</c>,
/// <c>ValueError</c>, <c>OverflowError</c>, <c>re.error</c>. The run (or sequence) being evaluated does not match;
/// <see cref="QueryReport"/> records the first such error and a count, so a query that fails on every run is reported
/// once. A regex pattern that is a constant is checked while compiling and raises this there, with a position.
/// </summary>
public sealed class QueryEvaluationException : AimQueryException
{
    private readonly string _reason;

    /// <summary>Creates the error; the message is <c>ErrorType: reason</c>.</summary>
    public QueryEvaluationException(string errorType, string reason)
        : base(errorType + ": " + reason)
    {
        ErrorType = errorType;
        _reason = reason;
    }

    private QueryEvaluationException(string errorType, string reason, string query, int offset)
        : base(errorType + ": " + reason, query, offset)
    {
        ErrorType = errorType;
        _reason = reason;
    }

    /// <summary>The Python exception type the error corresponds to, such as <c>TypeError</c>.</summary>
    public string ErrorType { get; }

    /// <summary>The same error at <paramref name="offset"/> in <paramref name="query"/> (a constant operand failed while compiling).</summary>
    internal QueryEvaluationException At(string query, int offset) => new(ErrorType, _reason, query, offset);
}
