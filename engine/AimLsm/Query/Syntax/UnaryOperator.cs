namespace AimLsm.Query.Syntax;

/// <summary>The unary operators AimQL accepts.</summary>
internal enum UnaryOperator
{
    /// <summary><c>-x</c>.</summary>
    Negate,

    /// <summary><c>+x</c>.</summary>
    Plus,

    /// <summary><c>not x</c>.</summary>
    Not,
}
