namespace AimLsm.Query.Syntax;

/// <summary>The arithmetic operators AimQL accepts (Python's bitwise operators are refused).</summary>
internal enum BinaryOperator
{
    /// <summary><c>+</c>.</summary>
    Add,

    /// <summary><c>-</c>.</summary>
    Subtract,

    /// <summary><c>*</c>.</summary>
    Multiply,

    /// <summary><c>/</c> (true division).</summary>
    Divide,

    /// <summary><c>//</c> (floor division).</summary>
    FloorDivide,

    /// <summary><c>%</c> (Python's modulo: the sign of the divisor).</summary>
    Modulo,

    /// <summary><c>**</c>.</summary>
    Power,
}
