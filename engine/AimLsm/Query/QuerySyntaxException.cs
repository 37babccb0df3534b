namespace AimLsm.Query;

/// <summary>
/// The query is not a Python expression AimQL accepts: a bad token, an unbalanced bracket, or a construct the language
/// leaves out on purpose (lambda, comprehensions, <c>:=</c>, f-strings, statements such as <c>import</c>).
/// <see cref="AimQueryException.Line"/> and <see cref="AimQueryException.Column"/> say where.
/// </summary>
public sealed class QuerySyntaxException : AimQueryException
{
    /// <summary>Creates a syntax error with a message that already says where.</summary>
    public QuerySyntaxException(string message)
        : base(message)
    {
    }

    /// <summary>Creates a syntax error at <paramref name="offset"/> in <paramref name="query"/>.</summary>
    internal QuerySyntaxException(string detail, string query, int offset)
        : base(detail, query, offset)
    {
    }
}
