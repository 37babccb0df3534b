using AimLsm.Query.Runtime.Unicode;

namespace AimLsm.Query.Runtime;

/// <summary>The str methods of the allow-list, and <c>count</c> (also a list and tuple method).</summary>
internal static partial class Builtins
{
    /// <summary><c>s.startswith(prefix)</c>; <paramref name="prefix"/> may be a tuple of str.</summary>
    public static object? StartsWith(EvalContext ctx, object? self, object? prefix) =>
        PyOps.Box(MatchAffix(ctx, Receiver(self, "startswith"), prefix, "startswith", static (s, p) => s.StartsWith(p, StringComparison.Ordinal)));

    /// <summary><c>s.endswith(suffix)</c>; <paramref name="suffix"/> may be a tuple of str.</summary>
    public static object? EndsWith(EvalContext ctx, object? self, object? suffix) =>
        PyOps.Box(MatchAffix(ctx, Receiver(self, "endswith"), suffix, "endswith", static (s, p) => s.EndsWith(p, StringComparison.Ordinal)));

    /// <summary><c>s.lower()</c>: Python's full lowercase mapping, Final_Sigma included.</summary>
    public static object? Lower(EvalContext ctx, object? self) => Cased(ctx, PyCasing.Lower(Receiver(self, "lower")));

    /// <summary><c>s.upper()</c>: Python's full uppercase mapping (<c>'ß'.upper() == 'SS'</c>).</summary>
    public static object? Upper(EvalContext ctx, object? self) => Cased(ctx, PyCasing.Upper(Receiver(self, "upper")));

    /// <summary><c>s.casefold()</c>.</summary>
    public static object? CaseFold(EvalContext ctx, object? self) => Cased(ctx, PyCasing.CaseFold(Receiver(self, "casefold")));

    /// <summary><c>s.title()</c>.</summary>
    public static object? Title(EvalContext ctx, object? self) => Cased(ctx, PyCasing.Title(Receiver(self, "title")));

    /// <summary><c>s.capitalize()</c>.</summary>
    public static object? Capitalize(EvalContext ctx, object? self) => Cased(ctx, PyCasing.Capitalize(Receiver(self, "capitalize")));

    /// <summary><c>s.swapcase()</c>.</summary>
    public static object? SwapCase(EvalContext ctx, object? self) => Cased(ctx, PyCasing.SwapCase(Receiver(self, "swapcase")));

    /// <summary>A case mapping's result, within the string limit: a full mapping may make a string up to three times longer.</summary>
    private static string Cased(EvalContext ctx, string result)
    {
        PyOps.CheckString(ctx, result.Length);
        return result;
    }

    /// <summary><c>s.strip(chars=None)</c>: white space, or the characters of <paramref name="chars"/>, from both ends (linear time: <see cref="PyStrip"/>).</summary>
    public static object? Strip(EvalContext ctx, object? self, object? chars) =>
        PyStrip.Strip(ctx, Receiver(self, "strip"), StripChars(chars, "strip"), left: true, right: true);

    /// <summary><c>s.lstrip(chars=None)</c>.</summary>
    public static object? LStrip(EvalContext ctx, object? self, object? chars) =>
        PyStrip.Strip(ctx, Receiver(self, "lstrip"), StripChars(chars, "lstrip"), left: true, right: false);

    /// <summary><c>s.rstrip(chars=None)</c>.</summary>
    public static object? RStrip(EvalContext ctx, object? self, object? chars) =>
        PyStrip.Strip(ctx, Receiver(self, "rstrip"), StripChars(chars, "rstrip"), left: false, right: true);

    /// <summary><c>s.find(sub)</c>: the code point index of the first occurrence, or -1.</summary>
    public static object? Find(EvalContext ctx, object? self, object? sub)
    {
        string s = Receiver(self, "find");
        if (sub is not string needle)
        {
            throw PyErrors.Type($"must be str, not {PyOps.TypeName(sub)}");
        }

        int index = needle.Length == 0 ? 0 : StringSearch.IndexOf(ctx, s, needle, 0);
        return (long)(index < 0 ? -1 : PyString.CodePointIndex(s, index));
    }

    /// <summary><c>s.count(sub)</c> (non-overlapping occurrences) or <c>list.count(value)</c> (equal items).</summary>
    public static object? Count(EvalContext ctx, object? self, object? value)
    {
        if (self is IReadOnlyList<object?> list)
        {
            long equal = 0;
            ctx.Tick(list.Count);
            foreach (object? item in list)
            {
                if (PyOps.Equal(ctx, item, value))
                {
                    equal++;
                }
            }

            return equal;
        }

        string s = Receiver(self, "count");
        if (value is not string needle)
        {
            throw PyErrors.Type($"must be str, not {PyOps.TypeName(value)}");
        }

        if (needle.Length == 0)
        {
            return (long)PyString.Length(s) + 1;
        }

        return StringSearch.Count(ctx, s, needle);
    }

    private static string Receiver(object? self, string method) => self as string ?? throw PyErrors.Attribute(self, method);

    private static string? StripChars(object? chars, string method) =>
        chars is null or string ? (string?)chars : throw PyErrors.Type($"{method} arg must be None or str");

    /// <summary>Whether <paramref name="s"/> has the affix (or one of a tuple of them); ticks per option, as a tuple may hold 100,000.</summary>
    private static bool MatchAffix(EvalContext ctx, string s, object? affix, string method, Func<string, string, bool> test)
    {
        switch (affix)
        {
            case string a:
                return test(s, a);
            case object?[] options:
                foreach (object? option in options)
                {
                    if (option is not string o)
                    {
                        throw PyErrors.Type($"tuple for {method} must only contain str, not {PyOps.TypeName(option)}");
                    }

                    ctx.Tick(1 + (Math.Min(o.Length, s.Length) / 64));
                    if (test(s, o))
                    {
                        return true;
                    }
                }

                return false;
            default:
                throw PyErrors.Type($"{method} first arg must be str or a tuple of str, not {PyOps.TypeName(affix)}");
        }
    }
}
