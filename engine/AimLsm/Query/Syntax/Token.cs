namespace AimLsm.Query.Syntax;

/// <summary>One token: its kind, its span [Start, End) in the query text, and the literal's value or the name's text.</summary>
/// <param name="Kind">What the token is.</param>
/// <param name="Start">Offset of the first character.</param>
/// <param name="End">Offset after the last character.</param>
/// <param name="Value">A name's or keyword's text, or a literal's value (long, double, string); null for punctuation.</param>
internal readonly record struct Token(TokenKind Kind, int Start, int End, object? Value);
