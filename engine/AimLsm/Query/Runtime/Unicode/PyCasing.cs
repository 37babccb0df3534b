using System.Text;

namespace AimLsm.Query.Runtime.Unicode;

/// <summary>
/// Python's str casing: <c>lower</c>, <c>upper</c>, <c>casefold</c>, <c>title</c>, <c>capitalize</c> and
/// <c>swapcase</c>, with full (one-to-many) case mappings and the Final_Sigma rule, as CPython's
/// <c>unicodeobject.c</c> applies them, over <see cref="UnicodeTables"/>. A lone surrogate maps to itself. ASCII-only
/// input takes a table-free path with the same result. Thread-safe.
/// </summary>
internal static class PyCasing
{
    private const int CapitalSigma = 0x3A3;

    /// <summary>str.lower.</summary>
    public static string Lower(string s) => IsAscii(s) ? s.ToLowerInvariant() : Map(s, Mode.Lower);

    /// <summary>str.upper.</summary>
    public static string Upper(string s) => IsAscii(s) ? s.ToUpperInvariant() : Map(s, Mode.Upper);

    /// <summary>str.casefold.</summary>
    public static string CaseFold(string s) => IsAscii(s) ? s.ToLowerInvariant() : Map(s, Mode.Fold);

    /// <summary>str.title: a cased character after an uncased one takes its titlecase mapping, after a cased one its lowercase.</summary>
    public static string Title(string s) => Map(s, Mode.Title);

    /// <summary>str.capitalize (Python 3.8 and later): the first character titlecased, the rest lowercased.</summary>
    public static string Capitalize(string s) => Map(s, Mode.Capitalize);

    /// <summary>str.swapcase: Uppercase characters lowered, Lowercase ones uppered, others kept.</summary>
    public static string SwapCase(string s) => Map(s, Mode.SwapCase);

    private enum Mode
    {
        Lower,
        Upper,
        Fold,
        Title,
        Capitalize,
        SwapCase,
    }

    private static bool IsAscii(string s) => System.Text.Ascii.IsValid(s);

    private static string Map(string s, Mode mode)
    {
        UnicodeTables tables = UnicodeTables.Instance;
        var result = new StringBuilder(s.Length);
        bool previousIsCased = false;
        for (int i = 0; i < s.Length;)
        {
            int cp = CodePointAt(s, i, out int width);
            CaseMapping? mapping = tables.Casing(cp);
            switch (mode)
            {
                case Mode.Lower:
                    AppendLower(result, s, i, cp, mapping, tables);
                    break;
                case Mode.Upper:
                    Append(result, s, i, width, mapping?.Upper);
                    break;
                case Mode.Fold:
                    Append(result, s, i, width, mapping?.Fold);
                    break;
                case Mode.Title:
                    if (previousIsCased)
                    {
                        AppendLower(result, s, i, cp, mapping, tables);
                    }
                    else
                    {
                        Append(result, s, i, width, mapping?.Title);
                    }

                    previousIsCased = (tables.Flags(cp) & UnicodeTables.Cased) != 0;
                    break;
                case Mode.Capitalize:
                    if (i == 0)
                    {
                        Append(result, s, i, width, mapping?.Title);
                    }
                    else
                    {
                        AppendLower(result, s, i, cp, mapping, tables);
                    }

                    break;
                default:
                    byte flags = tables.Flags(cp);
                    if ((flags & UnicodeTables.Uppercase) != 0)
                    {
                        AppendLower(result, s, i, cp, mapping, tables);
                    }
                    else if ((flags & UnicodeTables.Lowercase) != 0)
                    {
                        Append(result, s, i, width, mapping?.Upper);
                    }
                    else
                    {
                        result.Append(s, i, width);
                    }

                    break;
            }

            i += width;
        }

        return result.ToString();
    }

    private static void Append(StringBuilder result, string s, int i, int width, string? mapped)
    {
        if (mapped is null)
        {
            result.Append(s, i, width);
        }
        else
        {
            result.Append(mapped);
        }
    }

    /// <summary>CPython's <c>lower_ucs4</c>: the lowercase mapping, with capital sigma in the Final_Sigma context lowered to 'ς'.</summary>
    private static void AppendLower(StringBuilder result, string s, int i, int cp, CaseMapping? mapping, UnicodeTables tables)
    {
        if (cp == CapitalSigma)
        {
            result.Append(IsFinalSigma(s, i, tables) ? '\u03C2' : '\u03C3');
            return;
        }

        Append(result, s, i, cp > 0xFFFF ? 2 : 1, mapping?.Lower);
    }

    /// <summary>
    /// Final_Sigma (Unicode 3.13, as CPython's <c>handle_capital_sigma</c>): a cased character, then any
    /// case-ignorable ones, before the sigma; and no case-ignorable run followed by a cased character after it.
    /// </summary>
    private static bool IsFinalSigma(string s, int sigma, UnicodeTables tables)
    {
        int j = sigma;
        int before = -1;
        while (j > 0)
        {
            j -= j >= 2 && char.IsLowSurrogate(s[j - 1]) && char.IsHighSurrogate(s[j - 2]) ? 2 : 1;
            int c = CodePointAt(s, j, out _);
            if ((tables.Flags(c) & UnicodeTables.CaseIgnorable) == 0)
            {
                before = c;
                break;
            }
        }

        if (before < 0 || (tables.Flags(before) & UnicodeTables.Cased) == 0)
        {
            return false;
        }

        for (int k = sigma + 1; k < s.Length;)
        {
            int c = CodePointAt(s, k, out int width);
            byte flags = tables.Flags(c);
            if ((flags & UnicodeTables.CaseIgnorable) == 0)
            {
                return (flags & UnicodeTables.Cased) == 0;
            }

            k += width;
        }

        return true;
    }

    /// <summary>The code point at <paramref name="i"/>: a surrogate pair's, or a lone surrogate's own value.</summary>
    internal static int CodePointAt(string s, int i, out int width)
    {
        char c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(c, s[i + 1]);
        }

        width = 1;
        return c;
    }
}
