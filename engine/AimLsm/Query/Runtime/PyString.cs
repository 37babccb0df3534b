using System.Text;

namespace AimLsm.Query.Runtime;

/// <summary>
/// Python str indexing over .NET strings: Python counts code points, .NET UTF-16 units. Strings without surrogates
/// (nearly all) take the direct path; others are split into code points first.
/// </summary>
internal static class PyString
{
    /// <summary><c>len(s)</c>: the number of code points.</summary>
    public static int Length(string s)
    {
        if (!HasSurrogates(s))
        {
            return s.Length;
        }

        int count = 0;
        foreach (Rune _ in s.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    /// <summary>The code point index of the UTF-16 index <paramref name="utf16Index"/> (for <c>str.find</c>).</summary>
    public static int CodePointIndex(string s, int utf16Index)
    {
        if (utf16Index <= 0 || !HasSurrogates(s))
        {
            return utf16Index;
        }

        int count = 0;
        for (int i = 0; i < utf16Index; i++)
        {
            if (!char.IsLowSurrogate(s[i]) || i == 0 || !char.IsHighSurrogate(s[i - 1]))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The code points of <paramref name="s"/>, each as a string (Python iterates a str this way).</summary>
    public static List<string> CodePoints(string s)
    {
        var result = new List<string>(s.Length);
        if (!HasSurrogates(s))
        {
            foreach (char c in s)
            {
                result.Add(c.ToString());
            }

            return result;
        }

        for (int i = 0; i < s.Length; i++)
        {
            bool pair = i + 1 < s.Length && char.IsSurrogatePair(s[i], s[i + 1]);
            result.Add(s.Substring(i, pair ? 2 : 1));
            if (pair)
            {
                i++;
            }
        }

        return result;
    }

    /// <summary>True when <paramref name="s"/> holds any surrogate.</summary>
    public static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;
}
