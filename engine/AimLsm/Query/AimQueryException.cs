
namespace AimLsm.Query;

/// <summary>
/// The base of every error AimQL raises. Errors found while compiling a query carry the position in the query text
/// (<see cref="Line"/>, <see cref="Column"/>) and a message that shows the line with a caret under it, as Python does:
/// <code>
/// invalid syntax: expected an expression (line 1, column 17)
///     run.hparams.lr &gt;
///                     ^
/// </code>
/// Errors raised while evaluating a run have no position (<see cref="Line"/> is 0).
/// </summary>
public class AimQueryException : Exception
{
    /// <summary>Creates an error with a message and no position.</summary>
    public AimQueryException(string message)
        : base(message)
    {
        Detail = message;
    }

    /// <summary>Creates an error with a message, no position and the exception that caused it.</summary>
    public AimQueryException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Detail = message;
    }

    /// <summary>Creates an error at <paramref name="offset"/> in <paramref name="query"/>.</summary>
    private protected AimQueryException(string detail, string query, int offset, Exception? innerException = null)
        : base(SourceText.FormatError(detail, query, offset), innerException)
    {
        Detail = detail;
        (Line, Column) = SourceText.LineColumn(query, offset);
    }

    /// <summary>What is wrong, without the position and the excerpt of the query.</summary>
    public string Detail { get; }

    /// <summary>The 1-based line of the error in the query text, or 0 when the error has no position.</summary>
    public int Line { get; }

    /// <summary>The 1-based column (in UTF-16 code units) of the error, or 0 when the error has no position.</summary>
    public int Column { get; }
}
