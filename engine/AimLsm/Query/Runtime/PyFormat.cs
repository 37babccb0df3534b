using System.Globalization;
using System.Text;
using AimLsm.Encoding;

namespace AimLsm.Query.Runtime;

/// <summary>Python's <c>repr</c> of runtime values, shortened, for error messages.</summary>
internal static class PyFormat
{
    private const int MaxLength = 80;

    /// <summary>The repr of <paramref name="value"/>, cut to about 80 characters.</summary>
    public static string Repr(object? value)
    {
        var text = new StringBuilder();
        Append(text, value, 0);
        return text.Length <= MaxLength ? text.ToString() : text.ToString(0, MaxLength) + "...";
    }

    /// <summary>Python's repr of a float: <c>0.1</c>, <c>1.0</c>, <c>1e-05</c>, <c>1e+16</c>, <c>inf</c>, <c>nan</c>.</summary>
    public static string Float(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        // "R" gives the shortest digits that round-trip; split them into digits and the exponent of the first digit.
        string r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E', StringComparison.Ordinal);
        int exponent = e < 0 ? 0 : int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        string mantissaText = e < 0 ? r : r[..e];
        int point = mantissaText.IndexOf('.', StringComparison.Ordinal);
        string allDigits = mantissaText.Replace(".", string.Empty, StringComparison.Ordinal);
        int leadingZeros = allDigits.Length - allDigits.TrimStart('0').Length;
        string digits = allDigits.Trim('0');
        if (digits.Length == 0)
        {
            return double.IsNegative(d) ? "-0.0" : "0.0";
        }

        exponent += (point < 0 ? allDigits.Length : point) - 1 - leadingZeros;
        string sign = d < 0 ? "-" : string.Empty;
        if (exponent is >= -4 and < 16)
        {
            string body;
            if (exponent >= digits.Length - 1)
            {
                body = digits + new string('0', exponent - digits.Length + 1) + ".0";
            }
            else if (exponent >= 0)
            {
                body = digits[..(exponent + 1)] + "." + digits[(exponent + 1)..];
            }
            else
            {
                body = "0." + new string('0', -exponent - 1) + digits;
            }

            return sign + body;
        }

        string mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        return $"{sign}{mantissa}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
    }

    private static void Append(StringBuilder text, object? value, int depth)
    {
        if (text.Length > MaxLength)
        {
            return;
        }

        if (depth > 8)
        {
            text.Append("...");
            return;
        }

        switch (value)
        {
            case null:
                text.Append("None");
                break;
            case bool b:
                text.Append(b ? "True" : "False");
                break;
            case long l:
                text.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                text.Append(Float(d));
                break;
            case string s:
                // Only the first MaxLength characters can show, so a megabyte-long str is cut before it is escaped (copied).
                string shown = s.Length > MaxLength ? s[..(MaxLength + 1)] : s;
                text.Append('\'').Append(shown.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\'');
                break;
            case List<object?> list:
                AppendItems(text, list, "[", "]", depth);
                break;
            case object?[] tuple:
                AppendItems(text, tuple, "(", tuple.Length == 1 ? ",)" : ")", depth);
                break;
            case DateTime dt:
                text.Append(CultureInfo.InvariantCulture, $"datetime.datetime({dt.Year}, {dt.Month}, {dt.Day}, {dt.Hour}, {dt.Minute}");
                if (dt.Second != 0 || dt.Ticks % TimeSpan.TicksPerSecond != 0)
                {
                    text.Append(CultureInfo.InvariantCulture, $", {dt.Second}");
                }

                if (dt.Ticks % TimeSpan.TicksPerSecond != 0)
                {
                    text.Append(CultureInfo.InvariantCulture, $", {dt.Ticks % TimeSpan.TicksPerSecond / 10}");
                }

                text.Append(')');
                break;
            case TimeSpan ts:
                AppendTimedelta(text, ts);
                break;
            case AimObject o:
                text.Append('<').Append(o.TypeName).Append(" object>");
                break;
            case IQuerySequence seq:
                text.Append("<SequenceView ").Append(seq.Name).Append('>');
                break;
            default:
                if (PyDict.IsDict(value))
                {
                    text.Append('{');
                    bool first = true;
                    foreach (KeyValuePair<object, object?> item in PyDict.Items(value!))
                    {
                        if (!first)
                        {
                            text.Append(", ");
                        }

                        first = false;
                        Append(text, item.Key, depth + 1);
                        text.Append(": ");
                        Append(text, item.Value, depth + 1);
                        if (text.Length > MaxLength)
                        {
                            break;
                        }
                    }

                    text.Append('}');
                }
                else
                {
                    text.Append(value is PyUndefined ? value.ToString() : "<object>");
                }

                break;
        }
    }

    /// <summary>Python 3.7's repr: <c>datetime.timedelta(days=-1, seconds=82800)</c>, <c>datetime.timedelta(0)</c>.</summary>
    private static void AppendTimedelta(StringBuilder text, TimeSpan ts)
    {
        const long MicrosPerDay = 86_400_000_000;
        long micros = ts.Ticks / 10;
        long days = (long)Math.Floor(micros / (double)MicrosPerDay);
        long rest = micros - (days * MicrosPerDay);
        var parts = new List<string>(3);
        if (days != 0)
        {
            parts.Add(FormattableString.Invariant($"days={days}"));
        }

        if (rest / 1_000_000 != 0)
        {
            parts.Add(FormattableString.Invariant($"seconds={rest / 1_000_000}"));
        }

        if (rest % 1_000_000 != 0)
        {
            parts.Add(FormattableString.Invariant($"microseconds={rest % 1_000_000}"));
        }

        text.Append("datetime.timedelta(").Append(parts.Count == 0 ? "0" : string.Join(", ", parts)).Append(')');
    }

    private static void AppendItems(StringBuilder text, IReadOnlyList<object?> items, string open, string close, int depth)
    {
        text.Append(open);
        for (int i = 0; i < items.Count && text.Length <= MaxLength; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            Append(text, items[i], depth + 1);
        }

        text.Append(close);
    }
}
