using System.Globalization;
using AimLsm.Query.Runtime.Unicode;

namespace AimLsm.Query.Syntax;

/// <summary>
/// Splits a query into tokens with Python's lexical rules for expressions: names, int literals (decimal, hex, octal,
/// binary, with underscores), float literals (<c>1e-5</c>, <c>.5</c>), str literals (single, double and triple quotes,
/// <c>r</c> and <c>u</c> prefixes, Python escapes), operators and <c>#</c> comments. Newlines count as white space
/// anywhere (Python allows them only inside brackets), so a query may be spread over lines. Bytes literals, f-strings
/// (which would run code) and complex literals are refused here, with their position.
/// </summary>
internal sealed partial class Lexer
{
    private static readonly Dictionary<string, TokenKind> Keywords = new(StringComparer.Ordinal)
    {
        ["and"] = TokenKind.And,
        ["or"] = TokenKind.Or,
        ["not"] = TokenKind.Not,
        ["in"] = TokenKind.In,
        ["is"] = TokenKind.Is,
        ["if"] = TokenKind.If,
        ["else"] = TokenKind.Else,
        ["None"] = TokenKind.None,
        ["True"] = TokenKind.True,
        ["False"] = TokenKind.False,
    };

    // Python's other keywords: never a name in a query, and each refused by the parser with a reason.
    private static readonly HashSet<string> ForbiddenKeywords = new(StringComparer.Ordinal)
    {
        "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "except", "finally",
        "for", "from", "global", "import", "lambda", "nonlocal", "pass", "raise", "return", "try", "while", "with", "yield",
    };

    private readonly string _text;
    private readonly int _maxStringLength;
    private readonly List<Token> _tokens = [];
    private int _pos;

    private Lexer(string text, int maxStringLength)
    {
        _text = text;
        _maxStringLength = maxStringLength;
    }

    /// <summary>The tokens of <paramref name="text"/>, ending with <see cref="TokenKind.EndOfInput"/>.</summary>
    /// <exception cref="QuerySyntaxException">A character or literal is not valid.</exception>
    /// <exception cref="QueryLimitException">A literal is out of range (an int beyond 64 bits, a string too long).</exception>
    public static List<Token> Tokenize(string text, int maxStringLength)
    {
        var lexer = new Lexer(text, maxStringLength);
        lexer.Run();
        return lexer._tokens;
    }

    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private void Run()
    {
        while (true)
        {
            SkipTrivia();
            if (_pos >= _text.Length)
            {
                _tokens.Add(new Token(TokenKind.EndOfInput, _text.Length, _text.Length, null));
                return;
            }

            char c = _text[_pos];
            if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(Peek(1))))
            {
                ReadNumber();
            }
            else if (c == '\'' || c == '"')
            {
                ReadString(_pos, string.Empty);
            }
            else if (IsNameStart(_pos, out _))
            {
                ReadNameOrPrefixedString();
            }
            else
            {
                ReadOperator();
            }
        }
    }

    private void SkipTrivia()
    {
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (c is ' ' or '\t' or '\n' or '\r' or '\f')
            {
                _pos++;
            }
            else if (c == '#')
            {
                while (_pos < _text.Length && _text[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else if (c == '\\' && (Peek(1) == '\n' || (Peek(1) == '\r' && Peek(2) == '\n')))
            {
                // Explicit line joining, as Python allows.
                _pos += Peek(1) == '\n' ? 2 : 3;
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>Whether a name starts at <paramref name="pos"/> (a letter, a letter number or '_'; a surrogate pair counts as one character).</summary>
    private bool IsNameStart(int pos, out int width) => Category(pos, out width) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or
        UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber || _text[pos] == '_';

    /// <summary>Whether <paramref name="pos"/> continues a name: a name start, a digit, a combining mark or a connector.</summary>
    private bool IsNamePart(int pos, out int width) => IsNameStart(pos, out width) || Category(pos, out width) is
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or
        UnicodeCategory.ConnectorPunctuation;

    private UnicodeCategory Category(int pos, out int width)
    {
        char c = _text[pos];
        if (char.IsHighSurrogate(c) && pos + 1 < _text.Length && char.IsLowSurrogate(_text[pos + 1]))
        {
            width = 2;
            return CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, _text[pos + 1]));
        }

        width = 1;
        return CharUnicodeInfo.GetUnicodeCategory(c);
    }

    private void ReadNameOrPrefixedString()
    {
        int start = _pos;
        while (_pos < _text.Length && IsNamePart(_pos, out int width))
        {
            _pos += width;
        }

        string name = _text[start.._pos];
        if (_pos < _text.Length && (_text[_pos] == '\'' || _text[_pos] == '"') && IsStringPrefix(name))
        {
            ReadString(start, name);
            return;
        }

        if (Keywords.TryGetValue(name, out TokenKind keyword))
        {
            _tokens.Add(new Token(keyword, start, _pos, name));
            return;
        }

        // Python's parser NFKC-normalizes non-ASCII identifiers (PEP 3131): run.hparams.ｌｒ is run.hparams.lr. Keywords
        // are matched before, on the text as written; only the constants come out of a normalized name, as in CPython.
        name = PyNormalization.Nfkc(name);
        if (name is "None" or "True" or "False")
        {
            _tokens.Add(new Token(Keywords[name], start, _pos, name));
        }
        else
        {
            _tokens.Add(new Token(ForbiddenKeywords.Contains(name) ? TokenKind.ForbiddenKeyword : TokenKind.Name, start, _pos, name));
        }
    }

    private static bool IsStringPrefix(string name) =>
        name.Length is 1 or 2 && name.All(c => "rRuUbBfF".Contains(c, StringComparison.Ordinal)) &&
        name.Distinct().Count() == name.Length;

    private void ReadOperator()
    {
        int start = _pos;
        ReadOnlySpan<char> rest = _text.AsSpan(_pos);
        (TokenKind kind, int length) = rest switch
        {
            _ when rest.StartsWith("...") => (TokenKind.Ellipsis, 3),
            _ when rest.StartsWith("**=") || rest.StartsWith("//=") || rest.StartsWith(">>=") || rest.StartsWith("<<=") => (TokenKind.AugmentedAssign, 3),
            _ when rest.StartsWith("**") => (TokenKind.DoubleStar, 2),
            _ when rest.StartsWith("//") => (TokenKind.DoubleSlash, 2),
            _ when rest.StartsWith("==") => (TokenKind.EqualEqual, 2),
            _ when rest.StartsWith("!=") => (TokenKind.NotEqual, 2),
            _ when rest.StartsWith("<>") => throw Error(start, "'<>' is not Python 3 syntax; use '!='"),
            _ when rest.StartsWith("<=") => (TokenKind.LessEqual, 2),
            _ when rest.StartsWith(">=") => (TokenKind.GreaterEqual, 2),
            _ when rest.StartsWith("<<") => (TokenKind.ShiftLeft, 2),
            _ when rest.StartsWith(">>") => (TokenKind.ShiftRight, 2),
            _ when rest.StartsWith(":=") => (TokenKind.Walrus, 2),
            _ when rest.StartsWith("->") => (TokenKind.Arrow, 2),
            _ when rest.Length >= 2 && rest[1] == '=' && "+-*/%&|^@".Contains(rest[0], StringComparison.Ordinal) => (TokenKind.AugmentedAssign, 2),
            _ => (rest[0] switch
            {
                '(' => TokenKind.LParen,
                ')' => TokenKind.RParen,
                '[' => TokenKind.LBracket,
                ']' => TokenKind.RBracket,
                '{' => TokenKind.LBrace,
                '}' => TokenKind.RBrace,
                ',' => TokenKind.Comma,
                ':' => TokenKind.Colon,
                '.' => TokenKind.Dot,
                ';' => TokenKind.Semicolon,
                '+' => TokenKind.Plus,
                '-' => TokenKind.Minus,
                '*' => TokenKind.Star,
                '/' => TokenKind.Slash,
                '%' => TokenKind.Percent,
                '<' => TokenKind.Less,
                '>' => TokenKind.Greater,
                '=' => TokenKind.Assign,
                '~' => TokenKind.Tilde,
                '&' => TokenKind.Ampersand,
                '|' => TokenKind.Pipe,
                '^' => TokenKind.Caret,
                '@' => TokenKind.At,
                _ => throw InvalidCharacter(start),
            }, 1),
        };
        _pos += length;
        _tokens.Add(new Token(kind, start, _pos, null));
    }

    private QuerySyntaxException InvalidCharacter(int offset)
    {
        bool pair = offset + 1 < _text.Length && char.IsSurrogatePair(_text[offset], _text[offset + 1]);
        int code = pair ? char.ConvertToUtf32(_text[offset], _text[offset + 1]) : _text[offset];
        string shown = code < 0x20 || char.IsSurrogate(_text[offset]) && !pair ? string.Empty : $"'{_text.Substring(offset, pair ? 2 : 1)}' ";
        return Error(offset, $"invalid character {shown}(U+{code:X4})");
    }

    private QuerySyntaxException Error(int offset, string message) => new("invalid syntax: " + message, _text, offset);
}
