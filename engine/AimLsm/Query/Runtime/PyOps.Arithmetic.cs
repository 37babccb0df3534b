namespace AimLsm.Query.Runtime;

/// <summary>
/// Arithmetic with Python's rules: bool counts as int; int op int stays int (but <c>/</c> gives float); int op float
/// gives float; <c>//</c> and <c>%</c> floor toward negative infinity; str, list and tuple concatenate and repeat;
/// datetime and timedelta add and subtract. An int result outside 64 bits raises <see cref="QueryLimitException"/>
/// (AimQL has no big integers); a string or list larger than the limits raises it before anything is allocated.
/// </summary>
internal static partial class PyOps
{
    /// <summary><c>a + b</c>.</summary>
    public static object? Add(EvalContext ctx, object? a, object? b)
    {
        if (a is long x && b is long y)
        {
            return AddInt(x, y);
        }

        if (a is double dx && b is double dy)
        {
            return dx + dy;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return IsInt(a) && IsInt(b) ? AddInt(AsLong(a!), AsLong(b!)) : (object)(AsDouble(a!) + AsDouble(b!));
        }

        switch (a, b)
        {
            case (string sa, string sb):
                CheckString(ctx, (long)sa.Length + sb.Length);
                return string.Concat(sa, sb);
            case (List<object?> la, List<object?> lb):
                CheckList(ctx, (long)la.Count + lb.Count);
                var list = new List<object?>(la.Count + lb.Count);
                list.AddRange(la);
                list.AddRange(lb);
                return list;
            case (object?[] ta, object?[] tb):
                CheckList(ctx, (long)ta.Length + tb.Length);
                return (object?[])[.. ta, .. tb];
            case (DateTime d, TimeSpan t):
                return AddTime(d, t);
            case (TimeSpan t, DateTime d):
                return AddTime(d, t);
            case (TimeSpan t1, TimeSpan t2):
                return AddSpans(t1, t2);
            default:
                throw PyErrors.Unsupported("+", a, b);
        }
    }

    /// <summary><c>a - b</c>.</summary>
    public static object? Subtract(EvalContext ctx, object? a, object? b)
    {
        if (a is long x && b is long y)
        {
            return SubtractInt(x, y);
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return IsInt(a) && IsInt(b) ? SubtractInt(AsLong(a!), AsLong(b!)) : (object)(AsDouble(a!) - AsDouble(b!));
        }

        return (a, b) switch
        {
            (DateTime d1, DateTime d2) => d1 - d2,
            (DateTime d, TimeSpan t) => AddTime(d, NegateSpan(t)),
            (TimeSpan t1, TimeSpan t2) => AddSpans(t1, NegateSpan(t2)),
            _ => throw PyErrors.Unsupported("-", a, b),
        };
    }

    /// <summary><c>a * b</c>, including repetition of str, list and tuple.</summary>
    public static object? Multiply(EvalContext ctx, object? a, object? b)
    {
        if (a is long x && b is long y)
        {
            return MultiplyInt(x, y);
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return IsInt(a) && IsInt(b) ? MultiplyInt(AsLong(a!), AsLong(b!)) : (object)(AsDouble(a!) * AsDouble(b!));
        }

        if (IsInt(b) && a is string or List<object?> or object?[])
        {
            return Repeat(ctx, a!, AsLong(b!));
        }

        if (IsInt(a) && b is string or List<object?> or object?[])
        {
            return Repeat(ctx, b!, AsLong(a!));
        }

        return (a, b) switch
        {
            (TimeSpan t, _) when IsNumber(b) => ScaleTime(t, AsDouble(b!)),
            (_, TimeSpan t) when IsNumber(a) => ScaleTime(t, AsDouble(a!)),
            _ => throw PyErrors.Unsupported("*", a, b),
        };
    }

    /// <summary><c>a / b</c>: true division, always float for numbers.</summary>
    public static object? Divide(EvalContext ctx, object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            double divisor = AsDouble(b!);
            if (divisor == 0)
            {
                throw PyErrors.ZeroDivision(IsInt(a) && IsInt(b) ? "division by zero" : "float division by zero");
            }

            return AsDouble(a!) / divisor;
        }

        return (a, b) switch
        {
            (TimeSpan t1, TimeSpan t2) => t2 == TimeSpan.Zero ? throw PyErrors.ZeroDivision("division by zero") : (double)t1.Ticks / t2.Ticks,
            (TimeSpan t, _) when IsNumber(b) => AsDouble(b!) == 0 ? throw PyErrors.ZeroDivision("division by zero") : ScaleTime(t, 1 / AsDouble(b!)),
            _ => throw PyErrors.Unsupported("/", a, b),
        };
    }

    /// <summary><c>a // b</c>: floor division.</summary>
    public static object? FloorDivide(EvalContext ctx, object? a, object? b)
    {
        if (IsInt(a) && IsInt(b))
        {
            long x = AsLong(a!);
            long y = AsLong(b!);
            return x == long.MinValue && y == -1 ? throw PyErrors.IntegerOverflow() : IntDivMod(x, y).Quotient;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return FloatDivMod(AsDouble(a!), AsDouble(b!), "float floor division by zero").Quotient;
        }

        return (a, b) switch
        {
            (TimeSpan t1, TimeSpan t2) => IntDivMod(t1.Ticks, t2.Ticks).Quotient,
            _ => throw PyErrors.Unsupported("//", a, b),
        };
    }

    /// <summary><c>a % b</c>: the result has the sign of <paramref name="b"/>. String formatting with <c>%</c> is not supported.</summary>
    public static object? Modulo(EvalContext ctx, object? a, object? b)
    {
        if (IsInt(a) && IsInt(b))
        {
            return IntDivMod(AsLong(a!), AsLong(b!)).Remainder;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return FloatDivMod(AsDouble(a!), AsDouble(b!), "float modulo").Remainder;
        }

        if (a is string)
        {
            throw PyErrors.Type("printf-style string formatting ('%') is not supported in queries");
        }

        throw PyErrors.Unsupported("%", a, b);
    }

    /// <summary><c>a ** b</c>. An int to a negative int power is a float, as in Python.</summary>
    public static object? Power(EvalContext ctx, object? a, object? b)
    {
        if (IsInt(a) && IsInt(b))
        {
            long x = AsLong(a!);
            long e = AsLong(b!);
            if (e < 0)
            {
                return x == 0 ? throw PyErrors.ZeroDivision("0.0 cannot be raised to a negative power") : Math.Pow(x, e);
            }

            return IntPower(x, e);
        }

        if (IsNumber(a) && IsNumber(b))
        {
            double x = AsDouble(a!);
            double e = AsDouble(b!);
            if (x == 0 && e < 0)
            {
                throw PyErrors.ZeroDivision("0.0 cannot be raised to a negative power");
            }

            if (x < 0 && double.IsFinite(e) && Math.Floor(e) != e)
            {
                throw PyErrors.Value("a negative number to a fractional power is complex; complex numbers are not supported in queries");
            }

            double r = Math.Pow(x, e);
            if (double.IsInfinity(r) && double.IsFinite(x) && double.IsFinite(e))
            {
                throw PyErrors.Overflow("(34, 'Numerical result out of range')");
            }

            return r;
        }

        throw PyErrors.Unsupported("** or pow()", a, b);
    }

    /// <summary><c>-a</c>.</summary>
    public static object? Negate(EvalContext ctx, object? a) => a switch
    {
        long l => l == long.MinValue ? throw PyErrors.IntegerOverflow() : -l,
        double d => -d,
        bool b => b ? -1L : 0L,
        TimeSpan t => NegateSpan(t),
        _ => throw PyErrors.Type($"bad operand type for unary -: '{TypeName(a)}'"),
    };

    /// <summary><c>+a</c>.</summary>
    public static object? Plus(EvalContext ctx, object? a) => a switch
    {
        long or double or TimeSpan => a,
        bool b => b ? 1L : 0L,
        _ => throw PyErrors.Type($"bad operand type for unary +: '{TypeName(a)}'"),
    };

    /// <summary>Throws when a string of <paramref name="length"/> characters would exceed the limit.</summary>
    public static void CheckString(EvalContext ctx, long length)
    {
        if (length > ctx.Limits.MaxStringLength)
        {
            throw new QueryLimitException(
                $"the query would build a string of {length} characters; the limit is {ctx.Limits.MaxStringLength} (QueryOptions.MaxStringLength)");
        }

        ctx.Tick((int)Math.Min(length, int.MaxValue) / 64);
    }

    /// <summary>Throws when a list of <paramref name="length"/> elements would exceed the limit.</summary>
    public static void CheckList(EvalContext ctx, long length)
    {
        if (length > ctx.Limits.MaxListLength)
        {
            throw new QueryLimitException(
                $"the query would build a list of {length} elements; the limit is {ctx.Limits.MaxListLength} (QueryOptions.MaxListLength)");
        }

        ctx.Tick((int)length);
    }

    private static object Repeat(EvalContext ctx, object sequence, long times)
    {
        times = Math.Max(times, 0);
        switch (sequence)
        {
            case string s:
                // The product is checked before it is computed: 'a' * 10**18 must not overflow into a small number.
                CheckString(ctx, s.Length == 0 ? 0 : times > int.MaxValue ? long.MaxValue : s.Length * times);
                return s.Length == 0 || times == 0 ? string.Empty : new System.Text.StringBuilder(s.Length * (int)times).Insert(0, s, (int)times).ToString();
            case List<object?> list:
                CheckList(ctx, list.Count == 0 ? 0 : times > int.MaxValue ? long.MaxValue : list.Count * times);
                var result = new List<object?>(list.Count * (int)times);
                for (long i = 0; i < times && list.Count > 0; i++)
                {
                    result.AddRange(list);
                }

                return result;
            default:
                object?[] tuple = (object?[])sequence;
                CheckList(ctx, tuple.Length == 0 ? 0 : times > int.MaxValue ? long.MaxValue : tuple.Length * times);
                var repeated = new object?[tuple.Length * (int)times];
                for (int i = 0; i < (int)times && tuple.Length > 0; i++)
                {
                    tuple.CopyTo(repeated, i * tuple.Length);
                }

                return repeated;
        }
    }
}
