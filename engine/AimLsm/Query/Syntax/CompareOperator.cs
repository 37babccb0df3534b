namespace AimLsm.Query.Syntax;

/// <summary>Python's comparison operators.</summary>
internal enum CompareOperator
{
    /// <summary><c>&lt;</c>.</summary>
    Less,

    /// <summary><c>&lt;=</c>.</summary>
    LessEqual,

    /// <summary><c>&gt;</c>.</summary>
    Greater,

    /// <summary><c>&gt;=</c>.</summary>
    GreaterEqual,

    /// <summary><c>==</c>.</summary>
    Equal,

    /// <summary><c>!=</c>.</summary>
    NotEqual,

    /// <summary><c>in</c>.</summary>
    In,

    /// <summary><c>not in</c>.</summary>
    NotIn,

    /// <summary><c>is</c>.</summary>
    Is,

    /// <summary><c>is not</c>.</summary>
    IsNot,
}
