using System.Runtime.CompilerServices;

namespace AimLsm.Query.Runtime;

/// <summary>
/// Comparisons with Python's rules: numbers compare by value across int, float and bool (exactly, even beyond 2**53);
/// str by code point; list and tuple lexicographically; dicts by their items; datetime and timedelta by time.
/// <para>
/// Values read from a run are proxies in Aim, whose ordering operators turn Python's TypeError into False. AimLsm keeps
/// that for the two values where it decides a query's result: an ordering comparison (<c>&lt; &lt;= &gt; &gt;=</c>)
/// with None or <see cref="PyUndefined"/> on either side is False, so <c>run.hparams.missing &gt; 1</c> and
/// <c>run.hparams.missing &lt;= 1</c> are both False. NaN compares False too, as in Python. Other mixes
/// (<c>'a' &lt; 1</c>) raise TypeError as in Python. <c>==</c> and <c>!=</c> never raise: <c>None == 0</c> is False,
/// and Undefined equals nothing (<c>Undefined == None</c> and <c>Undefined == Undefined</c> are False, <c>!=</c> True).
/// <c>x in None</c> is False and <c>x not in None</c> True (Aim's <c>SafeNone</c> iterates as empty); <c>x in
/// Undefined</c> raises TypeError, as in Aim.
/// </para>
/// </summary>
internal static partial class PyOps
{
    /// <summary><c>a == b</c>.</summary>
    public static bool Equal(EvalContext ctx, object? a, object? b) => Equal(ctx, a, b, 0);

    /// <summary><c>a != b</c>.</summary>
    public static bool NotEqual(EvalContext ctx, object? a, object? b) => !Equal(ctx, a, b, 0);

    /// <summary><c>a &lt; b</c>.</summary>
    public static bool Less(EvalContext ctx, object? a, object? b) => Order(ctx, a, b, "<", 0) is < 0;

    /// <summary><c>a &lt;= b</c>.</summary>
    public static bool LessEqual(EvalContext ctx, object? a, object? b) => Order(ctx, a, b, "<=", 0) is <= 0;

    /// <summary><c>a &gt; b</c>.</summary>
    public static bool Greater(EvalContext ctx, object? a, object? b) => Order(ctx, a, b, ">", 0) is > 0;

    /// <summary><c>a &gt;= b</c>.</summary>
    public static bool GreaterEqual(EvalContext ctx, object? a, object? b) => Order(ctx, a, b, ">=", 0) is >= 0;

    /// <summary>
    /// <c>a is b</c>: None is None, a bool is the same bool, numbers and strings are identical when they have the same
    /// type and value, anything else only when it is the same object. Undefined is nothing (each read of a missing
    /// key is a new object in Aim).
    /// </summary>
    public static bool Is(EvalContext ctx, object? a, object? b) => (a, b) switch
    {
        (null, _) => b is null,
        (_, null) => false,
        (PyUndefined, _) or (_, PyUndefined) => false,
        (bool x, bool y) => x == y,
        (long x, long y) => x == y,
        (double x, double y) => x.Equals(y),
        (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
        _ => ReferenceEquals(a, b),
    };

    /// <summary><c>a is not b</c>.</summary>
    public static bool IsNot(EvalContext ctx, object? a, object? b) => !Is(ctx, a, b);

    /// <summary><c>item in container</c>: substring for str, element for list and tuple, key for dict; False for None; TypeError for Undefined.</summary>
    public static bool In(EvalContext ctx, object? item, object? container)
    {
        switch (container)
        {
            case null:
                return false;
            case PyUndefined:
                throw PyErrors.Type("argument of type 'Undefined' is not iterable");
            case string s:
                // Linear time under the budget, as str.find: .NET's Contains is quadratic on crafted input.
                return item is string sub
                    ? sub.Length == 0 || StringSearch.IndexOf(ctx, s, sub, 0) >= 0
                    : PyErrors.ThrowType<bool>($"'in <string>' requires string as left operand, not {TypeName(item)}");
            case IReadOnlyList<object?> list:
                ctx.Tick(list.Count);
                for (int i = 0; i < list.Count; i++)
                {
                    if (Equal(ctx, item, list[i], 0))
                    {
                        return true;
                    }
                }

                return false;
            case byte[] bytes:
                if (!IsInt(item))
                {
                    throw PyErrors.Type($"a bytes-like object is required, not '{TypeName(item)}'");
                }

                long b = AsLong(item!);
                return b is >= 0 and <= 255 ? Array.IndexOf(bytes, (byte)b) >= 0 : throw PyErrors.Value("byte must be in range(0, 256)");
            default:
                if (!PyDict.IsDict(container))
                {
                    throw PyErrors.Type($"argument of type '{TypeName(container)}' is not iterable");
                }

                PyKeyComparer.CheckHashable(item);
                return PyDict.TryGet(container, item, out _);
        }
    }

    /// <summary><c>item not in container</c>.</summary>
    public static bool NotIn(EvalContext ctx, object? item, object? container) => !In(ctx, item, container);

    /// <summary>Python's <c>==</c>, recursing into containers at most <see cref="MaxValueNesting"/> deep.</summary>
    internal static bool Equal(EvalContext ctx, object? a, object? b, int depth)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (a is PyUndefined || b is PyUndefined)
        {
            return false;
        }

        switch (a)
        {
            case string sa:
                return b is string sb && string.Equals(sa, sb, StringComparison.Ordinal);
            case long or double or bool:
                return IsNumber(b) && CompareNumbers(a, b) == 0;
            case List<object?> la:
                return b is List<object?> lb && SequenceEqual(ctx, la, lb, depth);
            case object?[] ta:
                return b is object?[] tb && SequenceEqual(ctx, ta, tb, depth);
            case DateTime da:
                return b is DateTime db && da == db;
            case TimeSpan sa:
                return b is TimeSpan sb2 && sa == sb2;
            case byte[] ba:
                return b is byte[] bb && ba.AsSpan().SequenceEqual(bb);
        }

        if (PyDict.IsDict(a))
        {
            return PyDict.IsDict(b) && DictEqual(ctx, a, b, depth);
        }

        return ReferenceEquals(a, b);
    }

    /// <summary>
    /// The order of <paramref name="a"/> and <paramref name="b"/> (negative, 0, positive), or null when they are
    /// unordered (None or Undefined on either side, or NaN); throws TypeError for types Python cannot order.
    /// </summary>
    internal static int? Order(EvalContext ctx, object? a, object? b, string op, int depth)
    {
        if (a is null || b is null || a is PyUndefined || b is PyUndefined)
        {
            return null;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return CompareNumbers(a, b);
        }

        switch (a, b)
        {
            case (string sa, string sb):
                return CompareCodePoints(sa, sb);
            case (List<object?> la, List<object?> lb):
                return OrderSequences(ctx, la, lb, op, depth);
            case (object?[] ta, object?[] tb):
                return OrderSequences(ctx, ta, tb, op, depth);
            case (DateTime da, DateTime db):
                return da.CompareTo(db);
            case (TimeSpan sa, TimeSpan sb):
                return sa.CompareTo(sb);
            case (byte[] ba, byte[] bb):
                return ba.AsSpan().SequenceCompareTo(bb);
            default:
                throw PyErrors.Type($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
        }
    }

    /// <summary>Compares two numbers exactly (no rounding of a long to double); null when either is NaN.</summary>
    internal static int? CompareNumbers(object a, object b)
    {
        if (a is double da)
        {
            return b is double db ? CompareDoubles(da, db) : -CompareLongDouble(AsLong(b), da);
        }

        long la = AsLong(a);
        return b is double d ? CompareLongDouble(la, d) : la.CompareTo(AsLong(b));
    }

    private static int? CompareDoubles(double a, double b) =>
        double.IsNaN(a) || double.IsNaN(b) ? null : a < b ? -1 : a > b ? 1 : 0;

    private static int? CompareLongDouble(long l, double d)
    {
        if (double.IsNaN(d))
        {
            return null;
        }

        // 2**63 is exact as a double; every double at or above it exceeds every long.
        if (d >= 9223372036854775808.0)
        {
            return -1;
        }

        if (d < -9223372036854775808.0)
        {
            return 1;
        }

        double whole = Math.Truncate(d);
        long dl = (long)whole;
        if (l != dl)
        {
            return l < dl ? -1 : 1;
        }

        double fraction = d - whole;
        return fraction > 0 ? -1 : fraction < 0 ? 1 : 0;
    }

    /// <summary>Python's str order: by code point. UTF-16 order differs only between surrogates and U+E000..U+FFFF, which this shifts into place.</summary>
    internal static int CompareCodePoints(string a, string b)
    {
        int n = Math.Min(a.Length, b.Length);
        int i = a.AsSpan(0, n).CommonPrefixLength(b.AsSpan(0, n));
        if (i == n)
        {
            return a.Length.CompareTo(b.Length);
        }

        return Fix(a[i]).CompareTo(Fix(b[i]));

        static int Fix(char c) => c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
    }

    private static bool SequenceEqual(EvalContext ctx, IReadOnlyList<object?> a, IReadOnlyList<object?> b, int depth)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        EnterNested(ref depth);
        ctx.Tick(a.Count);
        for (int i = 0; i < a.Count; i++)
        {
            if (!Equal(ctx, a[i], b[i], depth))
            {
                return false;
            }
        }

        return true;
    }

    private static int? OrderSequences(EvalContext ctx, IReadOnlyList<object?> a, IReadOnlyList<object?> b, string op, int depth)
    {
        EnterNested(ref depth);
        int n = Math.Min(a.Count, b.Count);
        ctx.Tick(n);
        for (int i = 0; i < n; i++)
        {
            if (!Equal(ctx, a[i], b[i], depth))
            {
                return Order(ctx, a[i], b[i], op, depth);
            }
        }

        return a.Count.CompareTo(b.Count);
    }

    private static bool DictEqual(EvalContext ctx, object a, object b, int depth)
    {
        if (PyDict.Count(a) != PyDict.Count(b))
        {
            return false;
        }

        EnterNested(ref depth);
        foreach (KeyValuePair<object, object?> item in PyDict.Items(a))
        {
            ctx.Tick(1);
            if (!PyDict.TryGet(b, item.Key, out object? other) || !Equal(ctx, item.Value, other, depth))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One level deeper into a nested value; throws past <see cref="MaxValueNesting"/>, before the stack could run out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void EnterNested(ref int depth)
    {
        if (++depth > MaxValueNesting)
        {
            throw new QueryLimitException($"a value is nested deeper than {MaxValueNesting} levels");
        }
    }
}
