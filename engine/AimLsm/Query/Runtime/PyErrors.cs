using System.Diagnostics.CodeAnalysis;

namespace AimLsm.Query.Runtime;

/// <summary>The errors evaluation raises, named after the Python exceptions they stand for.</summary>
internal static class PyErrors
{
    public static QueryEvaluationException Type(string message) => new("TypeError", message);

    public static QueryEvaluationException Value(string message) => new("ValueError", message);

    public static QueryEvaluationException ZeroDivision(string message) => new("ZeroDivisionError", message);

    public static QueryEvaluationException Index(string message) => new("IndexError", message);

    /// <summary>Python's KeyError, whose message is the repr of the missing key.</summary>
    public static QueryEvaluationException Key(object? key) => new("KeyError", PyFormat.Repr(key));

    public static QueryEvaluationException Overflow(string message) => new("OverflowError", message);

    public static QueryEvaluationException Regex(string message) => new("re.error", message);

    public static QueryEvaluationException Attribute(object? target, string name) =>
        new("AttributeError", $"'{PyOps.TypeName(target)}' object has no attribute '{name}'");

    public static QueryEvaluationException Unsupported(string op, object? a, object? b) =>
        Type($"unsupported operand type(s) for {op}: '{PyOps.TypeName(a)}' and '{PyOps.TypeName(b)}'");

    /// <summary>An int result left the 64-bit range: AimQL has no big integers, and this is what stops <c>10**10**10</c>.</summary>
    public static QueryLimitException IntegerOverflow() =>
        new("integer overflow: AimQL integers are 64-bit, and the result does not fit");

    [DoesNotReturn]
    public static T ThrowType<T>(string message) => throw Type(message);
}
