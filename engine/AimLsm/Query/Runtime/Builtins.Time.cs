using System.Globalization;

namespace AimLsm.Query.Runtime;

/// <summary>
/// <c>datetime(...)</c>, <c>timedelta(...)</c>, <c>datetime.now()</c>, <c>datetime.fromtimestamp()</c> and the
/// methods of datetime and timedelta values. Every datetime is UTC: <c>datetime(2026, 1, 1)</c> is midnight UTC, and
/// <c>run.created_at</c> is UTC, so they compare directly (Aim shifts to the browser's time zone; a query here does not).
/// </summary>
internal static partial class Builtins
{
    private const long MicrosPerDay = 86_400_000_000;

    /// <summary><c>datetime(year, month, day, hour=0, minute=0, second=0, microsecond=0)</c>, UTC.</summary>
    public static object? Datetime(EvalContext ctx, object?[] args)
    {
        string[] names = ["year", "month", "day", "hour", "minute", "second", "microsecond"];
        var parts = new long[7];
        for (int i = 0; i < 7; i++)
        {
            parts[i] = PyOps.IsInt(args[i])
                ? PyOps.AsLong(args[i]!)
                : throw PyErrors.Type($"'{PyOps.TypeName(args[i])}' object cannot be interpreted as an integer ({names[i]})");
        }

        (long year, long month, long day) = (parts[0], parts[1], parts[2]);
        if (year is < 1 or > 9999)
        {
            throw PyErrors.Value($"year {year} is out of range");
        }

        if (month is < 1 or > 12)
        {
            throw PyErrors.Value("month must be in 1..12");
        }

        if (day < 1 || day > DateTime.DaysInMonth((int)year, (int)month))
        {
            throw PyErrors.Value("day is out of range for month");
        }

        if (parts[3] is < 0 or > 23 || parts[4] is < 0 or > 59 || parts[5] is < 0 or > 59)
        {
            throw PyErrors.Value(parts[3] is < 0 or > 23 ? "hour must be in 0..23" : parts[4] is < 0 or > 59 ? "minute must be in 0..59" : "second must be in 0..59");
        }

        if (parts[6] is < 0 or > 999_999)
        {
            throw PyErrors.Value("microsecond must be in 0..999999");
        }

        return new DateTime((int)year, (int)month, (int)day, (int)parts[3], (int)parts[4], (int)parts[5], DateTimeKind.Utc).AddTicks(parts[6] * 10);
    }

    /// <summary><c>timedelta(days=0, seconds=0, microseconds=0, milliseconds=0, minutes=0, hours=0, weeks=0)</c>, rounded to microseconds.</summary>
    public static object? Timedelta(EvalContext ctx, object?[] args)
    {
        decimal[] microsPerUnit = [MicrosPerDay, 1_000_000, 1, 1_000, 60_000_000, 3_600_000_000, 7 * MicrosPerDay];
        decimal total = 0;
        try
        {
            for (int i = 0; i < 7; i++)
            {
                object? part = args[i];
                if (!PyOps.IsNumber(part))
                {
                    throw PyErrors.Type($"unsupported type for timedelta component: {PyOps.TypeName(part)}");
                }

                if (part is double d && !double.IsFinite(d))
                {
                    throw PyErrors.Value("cannot convert float NaN or infinity to a timedelta");
                }

                total += (part is double dd ? (decimal)dd : PyOps.AsLong(part!)) * microsPerUnit[i];
            }
        }
        catch (OverflowException)
        {
            throw PyErrors.Overflow("timedelta is too large");
        }

        decimal micros = Math.Round(total, MidpointRounding.ToEven);
        return Math.Abs(micros) > TimeSpan.MaxValue.Ticks / 10
            ? throw PyErrors.Overflow($"timedelta is too large (at most {TimeSpan.MaxValue.Days} days in queries)")
            : TimeSpan.FromTicks((long)micros * 10);
    }

    /// <summary><c>datetime.now()</c> and <c>datetime.utcnow()</c>: the evaluation's now (<see cref="QueryOptions.Now"/>), UTC.</summary>
    public static object? Now(EvalContext ctx) => ctx.Now;

    /// <summary><c>datetime.fromtimestamp(seconds)</c>: UTC (Python gives local time; queries have no local zone).</summary>
    public static object? FromTimestamp(EvalContext ctx, object? timestamp)
    {
        if (!PyOps.IsNumber(timestamp))
        {
            throw PyErrors.Type($"'{PyOps.TypeName(timestamp)}' object cannot be interpreted as a timestamp");
        }

        double seconds = PyOps.AsDouble(timestamp!);
        double ticks = Math.Round(seconds * 1_000_000, MidpointRounding.ToEven) * 10;
        double target = DateTime.UnixEpoch.Ticks + ticks;
        return double.IsNaN(target) || target < 0 || target > DateTime.MaxValue.Ticks
            ? throw PyErrors.Value("year is out of range")
            : new DateTime((long)target, DateTimeKind.Utc);
    }

    /// <summary><c>d.weekday()</c>: Monday is 0.</summary>
    public static object? Weekday(EvalContext ctx, object? self) => (long)(((int)DateReceiver(self, "weekday").DayOfWeek + 6) % 7);

    /// <summary><c>d.isoweekday()</c>: Monday is 1.</summary>
    public static object? IsoWeekday(EvalContext ctx, object? self) => (long)(((int)DateReceiver(self, "isoweekday").DayOfWeek + 6) % 7) + 1;

    /// <summary><c>d.timestamp()</c>: Unix seconds.</summary>
    public static object? Timestamp(EvalContext ctx, object? self) =>
        (DateReceiver(self, "timestamp") - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;

    /// <summary><c>d.isoformat()</c>: <c>2026-01-01T00:00:00</c>, with <c>.ffffff</c> when there are microseconds.</summary>
    public static object? IsoFormat(EvalContext ctx, object? self)
    {
        DateTime d = DateReceiver(self, "isoformat");
        string text = d.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        return d.Ticks % TimeSpan.TicksPerSecond / 10 is long micros and not 0 ? text + "." + micros.ToString("000000", CultureInfo.InvariantCulture) : text;
    }

    /// <summary><c>d.strftime(format)</c> with the C locale's directives.</summary>
    public static object? Strftime(EvalContext ctx, object? self, object? format)
    {
        DateTime d = DateReceiver(self, "strftime");
        if (format is not string f)
        {
            throw PyErrors.Type($"strftime() argument 1 must be str, not {PyOps.TypeName(format)}");
        }

        PyOps.CheckString(ctx, (long)f.Length * 10);
        return StrftimeFormatter.Format(d, f);
    }

    /// <summary><c>t.total_seconds()</c>.</summary>
    public static object? TotalSeconds(EvalContext ctx, object? self) =>
        self is TimeSpan t ? t.Ticks / 10 / 1e6 : throw PyErrors.Attribute(self, "total_seconds");

    private static DateTime DateReceiver(object? self, string method) => self is DateTime d ? d : throw PyErrors.Attribute(self, method);
}
