namespace AimLsm.Query.Runtime;

/// <summary>
/// The overflow-checked primitives under the arithmetic operators: 64-bit int operations that raise
/// <see cref="PyErrors.IntegerOverflow"/> instead of wrapping, CPython's floor division and modulo for ints and floats,
/// and datetime/timedelta sums that raise OverflowError outside year 1..9999, as Python's do.
/// </summary>
internal static partial class PyOps
{
    private const long TicksPerMicrosecond = 10;

    /// <summary><c>x ** e</c> for e &gt;= 0, by squaring, checked.</summary>
    private static long IntPower(long x, long e)
    {
        // Bases 0, 1 and -1 stay small for any exponent; every other base overflows long beyond exponent 63.
        switch (x)
        {
            case 0:
                return e == 0 ? 1 : 0;
            case 1:
                return 1;
            case -1:
                return (e & 1) == 0 ? 1 : -1;
        }

        if (e > 63)
        {
            throw PyErrors.IntegerOverflow();
        }

        long result = 1;
        long b = x;
        long n = e;
        while (true)
        {
            if ((n & 1) != 0)
            {
                result = MultiplyInt(result, b);
            }

            n >>= 1;
            if (n == 0)
            {
                return result;
            }

            b = MultiplyInt(b, b);
        }
    }

    /// <summary>CPython's <c>float_divmod</c>: the quotient is floored and the remainder takes the divisor's sign.</summary>
    private static (double Quotient, double Remainder) FloatDivMod(double x, double y, string zeroMessage)
    {
        if (y == 0)
        {
            throw PyErrors.ZeroDivision(zeroMessage);
        }

        double mod = x % y;
        double div = (x - mod) / y;
        if (mod != 0)
        {
            if ((y < 0) != (mod < 0))
            {
                mod += y;
                div -= 1.0;
            }
        }
        else
        {
            mod = Math.CopySign(0.0, y);
        }

        double floorDiv;
        if (div != 0)
        {
            floorDiv = Math.Floor(div);
            if (div - floorDiv > 0.5)
            {
                floorDiv += 1.0;
            }
        }
        else
        {
            floorDiv = Math.CopySign(0.0, x / y);
        }

        return (floorDiv, mod);
    }

    /// <summary>
    /// Python's int <c>divmod</c>: the quotient floored, the remainder with the divisor's sign. The caller rules out
    /// long.MinValue // -1, whose quotient overflows; its remainder, 0, is returned without the division .NET would throw on.
    /// </summary>
    private static (long Quotient, long Remainder) IntDivMod(long x, long y)
    {
        if (y == 0)
        {
            throw PyErrors.ZeroDivision("integer division or modulo by zero");
        }

        if (y == -1)
        {
            return (unchecked(-x), 0);
        }

        long q = Math.DivRem(x, y, out long r);
        return r != 0 && ((r < 0) != (y < 0)) ? (q - 1, r + y) : (q, r);
    }

    /// <summary>x + y, checked.</summary>
    private static long AddInt(long x, long y)
    {
        long r = unchecked(x + y);
        return ((x ^ r) & (y ^ r)) < 0 ? throw PyErrors.IntegerOverflow() : r;
    }

    /// <summary>x - y, checked.</summary>
    private static long SubtractInt(long x, long y)
    {
        long r = unchecked(x - y);
        // Overflow when the operands' signs differ and the result's sign differs from x's.
        return ((x ^ y) & (x ^ r)) < 0 ? throw PyErrors.IntegerOverflow() : r;
    }

    /// <summary>x * y, checked.</summary>
    private static long MultiplyInt(long x, long y)
    {
        long high = Math.BigMul(x, y, out long low);
        // The product fits when the high half is only the sign extension of the low half.
        return high != (low >> 63) ? throw PyErrors.IntegerOverflow() : low;
    }

    /// <summary>-t, checked.</summary>
    private static TimeSpan NegateSpan(TimeSpan t) => t == TimeSpan.MinValue ? throw PyErrors.Overflow("timedelta out of range") : -t;

    /// <summary>a + b, checked.</summary>
    private static TimeSpan AddSpans(TimeSpan a, TimeSpan b)
    {
        long r = unchecked(a.Ticks + b.Ticks);
        return ((a.Ticks ^ r) & (b.Ticks ^ r)) < 0 ? throw PyErrors.Overflow("timedelta out of range") : TimeSpan.FromTicks(r);
    }

    /// <summary>d + t, within DateTime's range (Python's years 1..9999).</summary>
    private static DateTime AddTime(DateTime d, TimeSpan t)
    {
        // Both tick counts are below 2**63 in magnitude and d's is non-negative, so a wrapped sum is negative.
        long ticks = unchecked(d.Ticks + t.Ticks);
        return ticks < 0 || ticks > DateTime.MaxValue.Ticks ? throw PyErrors.Overflow("date value out of range") : new DateTime(ticks, DateTimeKind.Utc);
    }

    /// <summary>timedelta * number, rounded to whole microseconds (half to even), as Python does.</summary>
    private static TimeSpan ScaleTime(TimeSpan t, double factor)
    {
        double micros = Math.Round(t.Ticks / (double)TicksPerMicrosecond * factor, MidpointRounding.ToEven);
        if (double.IsNaN(micros) || Math.Abs(micros) >= TimeSpan.MaxValue.Ticks / TicksPerMicrosecond)
        {
            throw PyErrors.Overflow("timedelta result out of range");
        }

        return TimeSpan.FromTicks((long)micros * TicksPerMicrosecond);
    }
}
