using System.Globalization;
using System.Text;

namespace AimLsm.Query.Runtime;

/// <summary>
/// Python's <c>strftime</c> in the C locale, for the directives people use in queries (<c>%Y %m %d %H %M %S %f %y
/// %j %a %A %b %B %p %I %w %Z %z %%</c>). An unknown directive is copied as written, as glibc does.
/// </summary>
internal static class StrftimeFormatter
{
    /// <summary>Formats <paramref name="d"/> (UTC) with <paramref name="format"/>.</summary>
    public static string Format(DateTime d, string format)
    {
        var text = new StringBuilder(format.Length * 2);
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%' || i + 1 >= format.Length)
            {
                text.Append(c);
                continue;
            }

            char directive = format[++i];
            CultureInfo inv = CultureInfo.InvariantCulture;
            _ = directive switch
            {
                'Y' => text.Append(d.Year.ToString("0000", inv)),
                'y' => text.Append((d.Year % 100).ToString("00", inv)),
                'm' => text.Append(d.Month.ToString("00", inv)),
                'd' => text.Append(d.Day.ToString("00", inv)),
                'H' => text.Append(d.Hour.ToString("00", inv)),
                'I' => text.Append((d.Hour % 12 == 0 ? 12 : d.Hour % 12).ToString("00", inv)),
                'p' => text.Append(d.Hour < 12 ? "AM" : "PM"),
                'M' => text.Append(d.Minute.ToString("00", inv)),
                'S' => text.Append(d.Second.ToString("00", inv)),
                'f' => text.Append((d.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", inv)),
                'j' => text.Append(d.DayOfYear.ToString("000", inv)),
                'a' => text.Append(inv.DateTimeFormat.GetAbbreviatedDayName(d.DayOfWeek)),
                'A' => text.Append(inv.DateTimeFormat.GetDayName(d.DayOfWeek)),
                'b' => text.Append(inv.DateTimeFormat.GetAbbreviatedMonthName(d.Month)),
                'B' => text.Append(inv.DateTimeFormat.GetMonthName(d.Month)),
                'w' => text.Append(((int)d.DayOfWeek).ToString(inv)),
                'Z' => text.Append("UTC"),
                'z' => text.Append("+0000"),
                '%' => text.Append('%'),
                _ => text.Append('%').Append(directive),
            };
        }

        return text.ToString();
    }
}
