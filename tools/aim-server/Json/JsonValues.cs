using System.Collections;
using System.Globalization;
using System.Text.Json;
using AimLsm.Tree;
using AimLsm.Encoding;

namespace AimLsm.Server.Json;

/// <summary>
/// Writes the values a run's tree holds (<see cref="TreeReader"/>'s output) as JSON, by one fixed policy
/// (docs/http-api.md, "JSON values"):
/// <list type="bullet">
/// <item>finite floats as numbers; NaN, +inf and -inf as the strings <c>"NaN"</c>, <c>"inf"</c>, <c>"-inf"</c>,
/// Aim's spelling (<c>convert_nan_and_inf_to_str</c> in Aim's <c>aim/web/api/runs/utils.py</c>, applied to its run
/// info response): JSON has no such numbers, and Python's <c>float(s)</c> reads each string back;</item>
/// <item>ints as numbers, exact (a JavaScript reader loses precision beyond 2^53, as Aim's UI does);</item>
/// <item>bytes as a base64 string;</item>
/// <item>dicts keyed by ints (or by ints and strs) as objects whose keys are the ints in decimal;</item>
/// <item>a custom object (<c>aim.image</c>, ...) as an object of its fields with its type name under <c>"$type"</c>.</item>
/// </list>
/// Stateless.
/// </summary>
internal static class JsonValues
{
    /// <summary>The property a custom object's type name is written under.</summary>
    public const string TypeProperty = "$type";

    /// <summary>How NaN is written (Aim's spelling).</summary>
    public const string NaN = "NaN";

    /// <summary>How +inf is written (Aim's spelling, Python's <c>str(float('inf'))</c>).</summary>
    public const string PositiveInfinity = "inf";

    /// <summary>How -inf is written (Aim's spelling).</summary>
    public const string NegativeInfinity = "-inf";

    /// <summary>Nesting deeper than this is written as null: the tree encoding allows any depth, Utf8JsonWriter 1,000.</summary>
    private const int MaxDepth = 900;

    /// <summary>Writes <paramref name="value"/>.</summary>
    public static void Write(Utf8JsonWriter json, object? value) => Write(json, value, 0);

    /// <summary>Writes a double by the policy: a number when finite, else a string.</summary>
    public static void WriteNumber(Utf8JsonWriter json, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteStringValue(double.IsNaN(value) ? NaN : value > 0 ? PositiveInfinity : NegativeInfinity);
        }
    }

    private static void Write(Utf8JsonWriter json, object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            json.WriteNullValue();
            return;
        }

        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case long l:
                json.WriteNumberValue(l);
                break;
            case int i:
                json.WriteNumberValue(i);
                break;
            case double d:
                WriteNumber(json, d);
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case byte[] bytes:
                json.WriteBase64StringValue(bytes);
                break;
            case AimObject obj:
                json.WriteStartObject();
                json.WriteString(TypeProperty, obj.TypeName);
                foreach (KeyValuePair<string, object?> field in obj.Fields)
                {
                    json.WritePropertyName(field.Key);
                    Write(json, field.Value, depth + 1);
                }

                json.WriteEndObject();
                break;
            case AimBlob blob:
                // Params hold no blobs (they are stored inline); a sequence value might. Load it: JSON has no reference.
                Write(json, blob.Load(), depth + 1);
                break;
            case IDictionary dict:
                json.WriteStartObject();
                foreach (DictionaryEntry entry in dict)
                {
                    json.WritePropertyName(Key(entry.Key));
                    Write(json, entry.Value, depth + 1);
                }

                json.WriteEndObject();
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                // A Context: read-only, so not an IDictionary.
                json.WriteStartObject();
                foreach (KeyValuePair<string, object?> entry in pairs)
                {
                    json.WritePropertyName(entry.Key);
                    Write(json, entry.Value, depth + 1);
                }

                json.WriteEndObject();
                break;
            case IEnumerable list:
                json.WriteStartArray();
                foreach (object? item in list)
                {
                    Write(json, item, depth + 1);
                }

                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static string Key(object key) => key switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(key, CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
