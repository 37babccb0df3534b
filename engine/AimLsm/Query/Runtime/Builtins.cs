using System.Globalization;
using System.Numerics;

namespace AimLsm.Query.Runtime;

/// <summary>
/// The builtin functions of the allow-list (<see cref="BuiltinTable"/>): <c>len</c>, <c>abs</c>, <c>min</c>,
/// <c>max</c>, <c>round</c>, <c>sum</c>, <c>any</c>, <c>all</c>, with Python's behaviour. Loops tick the context, so
/// the time budget holds even over the largest lists the limits allow.
/// </summary>
internal static partial class Builtins
{
    /// <summary>One-character strings U+0000..U+00FF, made once.</summary>
    private static readonly string[] Latin1 = [.. Enumerable.Range(0, 256).Select(c => ((char)c).ToString())];

    /// <summary><c>len(x)</c>: code points of a str, items of a list, tuple, dict or bytes.</summary>
    public static object? Len(EvalContext ctx, object? x) => x switch
    {
        string s => (long)PyString.Length(s),
        IReadOnlyList<object?> list => (long)list.Count,
        byte[] bytes => (long)bytes.Length,
        _ when PyDict.IsDict(x) => (long)PyDict.Count(x!),
        _ => throw PyErrors.Type($"object of type '{PyOps.TypeName(x)}' has no len()"),
    };

    /// <summary><c>abs(x)</c> of a number or timedelta.</summary>
    public static object? Abs(EvalContext ctx, object? x) => x switch
    {
        long l => l == long.MinValue ? throw PyErrors.IntegerOverflow() : Math.Abs(l),
        double d => Math.Abs(d),
        bool b => b ? 1L : 0L,
        TimeSpan t => t < TimeSpan.Zero ? PyOps.Negate(ctx, t) : t,
        _ => throw PyErrors.Type($"bad operand type for abs(): '{PyOps.TypeName(x)}'"),
    };

    /// <summary><c>min(iterable)</c> or <c>min(a, b, ...)</c>: the first smallest item.</summary>
    public static object? Min(EvalContext ctx, object?[] args) => Extreme(ctx, args, "min", max: false);

    /// <summary><c>max(iterable)</c> or <c>max(a, b, ...)</c>: the first largest item.</summary>
    public static object? Max(EvalContext ctx, object?[] args) => Extreme(ctx, args, "max", max: true);

    /// <summary><c>round(number, ndigits=None)</c>: half to even; an int without <paramref name="ndigits"/>.</summary>
    public static object? Round(EvalContext ctx, object? number, object? ndigits)
    {
        if (ndigits is not null && !PyOps.IsInt(ndigits))
        {
            throw PyErrors.Type($"'{PyOps.TypeName(ndigits)}' object cannot be interpreted as an integer");
        }

        switch (number)
        {
            case long or bool:
                long l = PyOps.AsLong(number);
                if (ndigits is null || PyOps.AsLong(ndigits) >= 0)
                {
                    return l;
                }

                long n = -PyOps.AsLong(ndigits);
                if (n > 18)
                {
                    return 0L;
                }

                decimal scale = (decimal)Math.Pow(10, n);
                decimal rounded = Math.Round(l / scale, MidpointRounding.ToEven) * scale;
                return rounded is > long.MaxValue or < long.MinValue ? throw PyErrors.IntegerOverflow() : (long)rounded;
            case double d:
                if (ndigits is null)
                {
                    if (double.IsNaN(d))
                    {
                        throw PyErrors.Value("cannot convert float NaN to integer");
                    }

                    double r = Math.Round(d, MidpointRounding.ToEven);
                    return double.IsInfinity(d) ? throw PyErrors.Overflow("cannot convert float infinity to integer")
                        : r >= 9223372036854775808.0 || r < -9223372036854775808.0 ? throw PyErrors.IntegerOverflow() : (long)r;
                }

                long digits = PyOps.AsLong(ndigits);
                return !double.IsFinite(d) || d == 0 || digits > 330 ? d : digits < -330 ? 0.0 * d : RoundDecimal(d, (int)digits);
            default:
                throw PyErrors.Type($"type {PyOps.TypeName(number)} doesn't define __round__ method");
        }
    }

    /// <summary><c>sum(iterable, start=0)</c>.</summary>
    public static object? Sum(EvalContext ctx, object? iterable, object? start)
    {
        if (start is string)
        {
            throw PyErrors.Type("sum() can't sum strings [use ''.join(seq) instead]");
        }

        object? total = start;
        foreach (object? item in Iterate(ctx, iterable))
        {
            total = PyOps.Add(ctx, total, item);
        }

        return total;
    }

    /// <summary><c>any(iterable)</c>.</summary>
    public static object? Any(EvalContext ctx, object? iterable)
    {
        foreach (object? item in Iterate(ctx, iterable))
        {
            if (PyOps.Truthy(item))
            {
                return PyOps.True;
            }
        }

        return PyOps.False;
    }

    /// <summary><c>all(iterable)</c>.</summary>
    public static object? All(EvalContext ctx, object? iterable)
    {
        foreach (object? item in Iterate(ctx, iterable))
        {
            if (!PyOps.Truthy(item))
            {
                return PyOps.False;
            }
        }

        return PyOps.True;
    }

    /// <summary>
    /// Python's iteration: items of a list or tuple, code points of a str, keys of a dict, ints of bytes. Ticks per
    /// item, and produces a str's code points one at a time (a million-character str is not first split into a million
    /// strings: that was 40 MB allocated before the first tick).
    /// </summary>
    internal static IEnumerable<object?> Iterate(EvalContext ctx, object? iterable)
    {
        IEnumerable<object?> items = iterable switch
        {
            IReadOnlyList<object?> list => list,
            string s => CodePoints(s),
            byte[] bytes => bytes.Select(b => (object?)(long)b),
            _ when PyDict.IsDict(iterable) => PyDict.Items(iterable!).Select(i => (object?)i.Key),
            _ => throw PyErrors.Type($"'{PyOps.TypeName(iterable)}' object is not iterable"),
        };
        foreach (object? item in items)
        {
            ctx.Tick(1);
            yield return PyOps.Normalize(item);
        }
    }

    /// <summary>The code points of <paramref name="s"/> as strings, lazily; Latin-1 ones are shared strings, so most cost nothing.</summary>
    private static IEnumerable<object?> CodePoints(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c < Latin1.Length)
            {
                yield return Latin1[c];
            }
            else if (i + 1 < s.Length && char.IsSurrogatePair(c, s[i + 1]))
            {
                yield return s.Substring(i++, 2);
            }
            else
            {
                yield return c.ToString();
            }
        }
    }

    /// <summary>
    /// <c>round(d, n)</c> as CPython computes it: the exact binary value of <paramref name="d"/> rounded half to even
    /// at the n-th decimal, so <c>round(2.675, 2)</c> is 2.67 (2.675 is stored as 2.67499999...).
    /// </summary>
    private static double RoundDecimal(double d, int digits)
    {
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(d));
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xF_FFFF_FFFF_FFFF;
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }

        // |d| = mantissa * 2^(exponent - 1075) exactly; scale by 10^digits and divide, keeping everything an integer.
        int binary = exponent - 1075;
        BigInteger numerator = mantissa;
        BigInteger denominator = BigInteger.One;
        if (binary > 0)
        {
            numerator <<= binary;
        }
        else
        {
            denominator <<= -binary;
        }

        if (digits >= 0)
        {
            numerator *= BigInteger.Pow(10, digits);
        }
        else
        {
            denominator *= BigInteger.Pow(10, -digits);
        }

        BigInteger quotient = BigInteger.DivRem(numerator, denominator, out BigInteger remainder);
        int half = (remainder * 2).CompareTo(denominator);
        if (half > 0 || (half == 0 && !quotient.IsEven))
        {
            quotient += 1;
        }

        // The parser rounds the decimal result to the nearest double, as CPython's does.
        double result = double.Parse(quotient.ToString(CultureInfo.InvariantCulture) + "E" + (-digits).ToString(CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
        return d < 0 ? -result : result;
    }

    private static object? Extreme(EvalContext ctx, object?[] args, string name, bool max)
    {
        if (args.Length == 0)
        {
            throw PyErrors.Type($"{name} expected at least 1 argument, got 0");
        }

        IEnumerable<object?> items = args.Length == 1 ? Iterate(ctx, args[0]) : args;
        bool any = false;
        object? best = null;
        foreach (object? item in items)
        {
            if (!any)
            {
                best = item;
                any = true;
            }
            else if (max ? PyOps.Greater(ctx, item, best) : PyOps.Less(ctx, item, best))
            {
                best = item;
            }
        }

        return any ? best : throw PyErrors.Value($"{name}() arg is an empty sequence");
    }
}
