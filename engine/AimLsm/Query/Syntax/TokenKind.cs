namespace AimLsm.Query.Syntax;

/// <summary>
/// The tokens of AimQL: Python's expression tokens, plus the Python tokens a query may not use (statement keywords,
/// bitwise operators, <c>:=</c>), which the lexer still recognizes so the parser can say why they are refused.
/// </summary>
internal enum TokenKind
{
    /// <summary>After the last token.</summary>
    EndOfInput,

    /// <summary>An identifier; the value is its text.</summary>
    Name,

    /// <summary>An int literal; the value is a long.</summary>
    Int,

    /// <summary>A float literal; the value is a double.</summary>
    Float,

    /// <summary>A str literal; the value is the decoded string.</summary>
    String,

    /// <summary><c>and</c>.</summary>
    And,

    /// <summary><c>or</c>.</summary>
    Or,

    /// <summary><c>not</c>.</summary>
    Not,

    /// <summary><c>in</c>.</summary>
    In,

    /// <summary><c>is</c>.</summary>
    Is,

    /// <summary><c>if</c> (conditional expression).</summary>
    If,

    /// <summary><c>else</c>.</summary>
    Else,

    /// <summary><c>None</c>.</summary>
    None,

    /// <summary><c>True</c>.</summary>
    True,

    /// <summary><c>False</c>.</summary>
    False,

    /// <summary>A Python keyword no query may use (<c>lambda</c>, <c>for</c>, <c>import</c>, ...); the value is its text.</summary>
    ForbiddenKeyword,

    /// <summary><c>(</c>.</summary>
    LParen,

    /// <summary><c>)</c>.</summary>
    RParen,

    /// <summary><c>[</c>.</summary>
    LBracket,

    /// <summary><c>]</c>.</summary>
    RBracket,

    /// <summary><c>{</c>.</summary>
    LBrace,

    /// <summary><c>}</c>.</summary>
    RBrace,

    /// <summary><c>,</c>.</summary>
    Comma,

    /// <summary><c>:</c>.</summary>
    Colon,

    /// <summary><c>.</c>.</summary>
    Dot,

    /// <summary><c>;</c>.</summary>
    Semicolon,

    /// <summary><c>+</c>.</summary>
    Plus,

    /// <summary><c>-</c>.</summary>
    Minus,

    /// <summary><c>*</c>.</summary>
    Star,

    /// <summary><c>/</c>.</summary>
    Slash,

    /// <summary><c>//</c>.</summary>
    DoubleSlash,

    /// <summary><c>%</c>.</summary>
    Percent,

    /// <summary><c>**</c>.</summary>
    DoubleStar,

    /// <summary><c>&lt;</c>.</summary>
    Less,

    /// <summary><c>&gt;</c>.</summary>
    Greater,

    /// <summary><c>&lt;=</c>.</summary>
    LessEqual,

    /// <summary><c>&gt;=</c>.</summary>
    GreaterEqual,

    /// <summary><c>==</c>.</summary>
    EqualEqual,

    /// <summary><c>!=</c>.</summary>
    NotEqual,

    /// <summary><c>=</c> (keyword arguments only).</summary>
    Assign,

    /// <summary><c>:=</c> (refused).</summary>
    Walrus,

    /// <summary><c>-&gt;</c> (refused).</summary>
    Arrow,

    /// <summary><c>+=</c> and the other augmented assignments (refused).</summary>
    AugmentedAssign,

    /// <summary><c>~</c> (refused).</summary>
    Tilde,

    /// <summary><c>&amp;</c> (refused).</summary>
    Ampersand,

    /// <summary><c>|</c> (refused).</summary>
    Pipe,

    /// <summary><c>^</c> (refused).</summary>
    Caret,

    /// <summary><c>&lt;&lt;</c> (refused).</summary>
    ShiftLeft,

    /// <summary><c>&gt;&gt;</c> (refused).</summary>
    ShiftRight,

    /// <summary><c>@</c> (refused).</summary>
    At,

    /// <summary><c>...</c> (refused).</summary>
    Ellipsis,
}
