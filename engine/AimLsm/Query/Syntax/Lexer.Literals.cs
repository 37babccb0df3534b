using System.Globalization;
using System.Text;

namespace AimLsm.Query.Syntax;

/// <summary>
/// Literals: str (quotes, prefixes, escapes), int (decimal, hex, octal, binary, underscores; 64-bit) and float, with
/// Python's rules and error messages.
/// </summary>
internal sealed partial class Lexer
{
    private void ReadString(int start, string prefix)
    {
        string lower = prefix.ToLowerInvariant();
        if (lower.Contains('f', StringComparison.Ordinal))
        {
            throw Error(start, "f-strings are not allowed in queries (they run the code inside their braces)");
        }

        if (lower.Contains('b', StringComparison.Ordinal))
        {
            throw Error(start, "bytes literals are not supported in queries");
        }

        if (lower.Length == 2 && lower.Contains('u', StringComparison.Ordinal))
        {
            throw Error(start, "invalid string prefix '" + prefix + "'");
        }

        bool raw = lower.Contains('r', StringComparison.Ordinal);
        char quote = _text[_pos];
        bool triple = Peek(1) == quote && Peek(2) == quote;
        _pos += triple ? 3 : 1;
        var value = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw Error(start, triple ? "unterminated triple-quoted string literal" : "unterminated string literal");
            }

            char c = _text[_pos];
            if (c == quote && (!triple || (Peek(1) == quote && Peek(2) == quote)))
            {
                _pos += triple ? 3 : 1;
                break;
            }

            if (c == '\n' && !triple)
            {
                throw Error(start, "unterminated string literal");
            }

            if (c == '\\')
            {
                if (raw)
                {
                    // A raw string keeps the backslash, and the backslash still keeps a quote from ending the string.
                    value.Append(c);
                    if (_pos + 1 < _text.Length)
                    {
                        value.Append(_text[_pos + 1]);
                        _pos += 2;
                    }
                    else
                    {
                        _pos++;
                    }
                }
                else
                {
                    ReadEscape(value);
                }
            }
            else
            {
                value.Append(c);
                _pos++;
            }

            if (value.Length > _maxStringLength)
            {
                throw new QueryLimitException($"string literal longer than {_maxStringLength} characters (QueryOptions.MaxStringLength)", _text, start);
            }
        }

        _tokens.Add(new Token(TokenKind.String, start, _pos, value.ToString()));
    }

    private void ReadEscape(StringBuilder value)
    {
        int start = _pos;
        _pos++;
        if (_pos >= _text.Length)
        {
            throw Error(start, "unterminated string literal");
        }

        char e = _text[_pos++];
        switch (e)
        {
            case '\n':
                return;
            case '\r':
                if (Peek() == '\n')
                {
                    _pos++;
                }

                return;
            case '\\' or '\'' or '"':
                value.Append(e);
                return;
            case 'a' or 'b' or 'f' or 'n' or 'r' or 't' or 'v':
                value.Append("\a\b\f\n\r\t\v"["abfnrtv".IndexOf(e, StringComparison.Ordinal)]);
                return;
            case 'x':
                AppendCodePoint(value, ReadHex(start, 2), start);
                return;
            case 'u':
                AppendCodePoint(value, ReadHex(start, 4), start);
                return;
            case 'U':
                AppendCodePoint(value, ReadHex(start, 8), start);
                return;
            case 'N':
                throw Error(start, "\\N{...} escapes are not supported in queries");
            case >= '0' and <= '7':
                int code = e - '0';
                for (int i = 0; i < 2 && Peek() is >= '0' and <= '7'; i++)
                {
                    code = (code * 8) + (_text[_pos++] - '0');
                }

                AppendCodePoint(value, code, start);
                return;
            default:
                // Python keeps an unknown escape as written.
                value.Append('\\').Append(e);
                return;
        }
    }

    private int ReadHex(int escapeStart, int digits)
    {
        int code = 0;
        for (int i = 0; i < digits; i++)
        {
            char h = Peek();
            if (!char.IsAsciiHexDigit(h))
            {
                throw Error(escapeStart, $"truncated \\{_text[escapeStart + 1]} escape: expected {digits} hex digits");
            }

            code = (code * 16) + Convert.ToInt32(h.ToString(), 16);
            _pos++;
        }

        return code;
    }

    private void AppendCodePoint(StringBuilder value, int code, int escapeStart)
    {
        if (code is < 0 or > 0x10FFFF)
        {
            throw Error(escapeStart, "illegal Unicode character in escape");
        }

        if (code is >= 0xD800 and <= 0xDFFF)
        {
            // A lone surrogate: .NET strings can hold it, as Python's can.
            value.Append((char)code);
        }
        else
        {
            value.Append(char.ConvertFromUtf32(code));
        }
    }

    private void ReadNumber()
    {
        int start = _pos;
        if (Peek() == '0' && char.ToLowerInvariant(Peek(1)) is 'x' or 'o' or 'b')
        {
            int radix = char.ToLowerInvariant(Peek(1)) switch { 'x' => 16, 'o' => 8, _ => 2 };
            _pos += 2;
            string digits = ReadDigits(start, c => radix switch
            {
                16 => char.IsAsciiHexDigit(c),
                8 => c is >= '0' and <= '7',
                _ => c is '0' or '1',
            }, allowLeadingUnderscore: true);
            if (digits.Length == 0)
            {
                throw Error(start, "invalid " + (radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary") + " literal");
            }

            RejectTrailingName(start);
            ulong result = 0;
            foreach (char d in digits)
            {
                int v = Convert.ToInt32(d.ToString(), 16);
                if (result > (ulong.MaxValue - (ulong)v) / (ulong)radix)
                {
                    throw IntTooLarge(start);
                }

                result = (result * (ulong)radix) + (ulong)v;
            }

            AddInt(start, result);
            return;
        }

        string intPart = ReadDigits(start, char.IsAsciiDigit, allowLeadingUnderscore: false);
        bool isFloat = false;
        var number = new StringBuilder(intPart);
        if (Peek() == '.' && !(Peek(1) == '.' && Peek(2) == '.'))
        {
            isFloat = true;
            _pos++;
            number.Append('.').Append(ReadDigits(start, char.IsAsciiDigit, allowLeadingUnderscore: false));
        }

        if (Peek() is 'e' or 'E' && (char.IsAsciiDigit(Peek(1)) || (Peek(1) is '+' or '-' && char.IsAsciiDigit(Peek(2)))))
        {
            isFloat = true;
            number.Append('e');
            _pos++;
            if (Peek() is '+' or '-')
            {
                number.Append(_text[_pos++]);
            }

            number.Append(ReadDigits(start, char.IsAsciiDigit, allowLeadingUnderscore: false));
        }

        if (Peek() is 'j' or 'J')
        {
            throw Error(start, "complex numbers are not supported in queries");
        }

        RejectTrailingName(start);
        if (isFloat)
        {
            string text = number.ToString();
            if (text.StartsWith('.'))
            {
                text = "0" + text;
            }

            double d = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            _tokens.Add(new Token(TokenKind.Float, start, _pos, d));
            return;
        }

        if (intPart.Length > 1 && intPart[0] == '0' && intPart.Any(ch => ch != '0'))
        {
            throw Error(start, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
        }

        if (!ulong.TryParse(intPart, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value))
        {
            throw IntTooLarge(start);
        }

        AddInt(start, value);
    }

    private void AddInt(int start, ulong value)
    {
        if (value > long.MaxValue)
        {
            throw IntTooLarge(start);
        }

        _tokens.Add(new Token(TokenKind.Int, start, _pos, (long)value));
    }

    private QueryLimitException IntTooLarge(int start) =>
        new("integer literal too large: AimQL integers are 64-bit", _text, start);

    /// <summary>Digits with Python's underscore rule: one underscore at a time, between digits.</summary>
    private string ReadDigits(int literalStart, Func<char, bool> isDigit, bool allowLeadingUnderscore)
    {
        var digits = new StringBuilder();
        bool lastUnderscore = false;
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (isDigit(c))
            {
                digits.Append(c);
                lastUnderscore = false;
            }
            else if (c == '_' && !lastUnderscore && (digits.Length > 0 || allowLeadingUnderscore) && _pos + 1 < _text.Length && isDigit(_text[_pos + 1]))
            {
                lastUnderscore = true;
            }
            else
            {
                break;
            }

            _pos++;
        }

        if (Peek() == '_')
        {
            throw Error(literalStart, "invalid number literal: misplaced '_'");
        }

        return digits.ToString();
    }

    private void RejectTrailingName(int start)
    {
        if (_pos < _text.Length && IsNamePart(_pos, out _))
        {
            throw Error(start, "invalid number literal");
        }
    }
}
