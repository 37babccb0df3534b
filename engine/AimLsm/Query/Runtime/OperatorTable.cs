using AimLsm.Query.Syntax;

namespace AimLsm.Query.Runtime;

/// <summary>
/// The runtime method behind each operator, as a delegate: constant folding invokes it, the compiler emits a call to
/// its <see cref="Delegate.Method"/>, and the reference interpreter in the tests invokes it, so all three share one
/// definition of every operator.
/// </summary>
internal static class OperatorTable
{
    private static readonly Func<EvalContext, object?, object?, object?>[] BinaryOperators =
    [
        PyOps.Add, PyOps.Subtract, PyOps.Multiply, PyOps.Divide, PyOps.FloorDivide, PyOps.Modulo, PyOps.Power,
    ];

    private static readonly Func<EvalContext, object?, object?, bool>[] CompareOperators =
    [
        PyOps.Less, PyOps.LessEqual, PyOps.Greater, PyOps.GreaterEqual, PyOps.Equal, PyOps.NotEqual,
        PyOps.In, PyOps.NotIn, PyOps.Is, PyOps.IsNot,
    ];

    /// <summary>The method of an arithmetic operator.</summary>
    public static Func<EvalContext, object?, object?, object?> Binary(BinaryOperator op) => BinaryOperators[(int)op];

    /// <summary>The method of a comparison operator.</summary>
    public static Func<EvalContext, object?, object?, bool> Compare(CompareOperator op) => CompareOperators[(int)op];

    /// <summary>The method of <c>-</c> or <c>+</c> (<c>not</c> compiles to a boolean negation).</summary>
    public static Func<EvalContext, object?, object?> Unary(UnaryOperator op) => op switch
    {
        UnaryOperator.Negate => PyOps.Negate,
        UnaryOperator.Plus => PyOps.Plus,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "'not' has no runtime method."),
    };

    /// <summary>Python's spelling of an operator, for messages.</summary>
    public static string Symbol(BinaryOperator op) => op switch
    {
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Divide => "/",
        BinaryOperator.FloorDivide => "//",
        BinaryOperator.Modulo => "%",
        _ => "**",
    };
}
