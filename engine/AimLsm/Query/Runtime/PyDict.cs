namespace AimLsm.Query.Runtime;

/// <summary>
/// Python dict operations over the three dictionary shapes AimQL meets: string-keyed (params, contexts, dict literals
/// with str keys), long-keyed and object-keyed (params whose keys are ints or mixed, as <see cref="AimLsm.Encoding.TreeReader"/>
/// builds them; dict literals with other keys). Keys are matched with Python's equality: <c>1</c>, <c>1.0</c> and
/// <c>True</c> are the same key.
/// </summary>
internal static class PyDict
{
    /// <summary>True for any of the dictionary shapes.</summary>
    public static bool IsDict(object? value) =>
        value is IReadOnlyDictionary<string, object?> or IReadOnlyDictionary<long, object?> or IReadOnlyDictionary<object, object?>;

    /// <summary>The number of items of a dictionary.</summary>
    public static int Count(object dict) => dict switch
    {
        IReadOnlyDictionary<string, object?> s => s.Count,
        IReadOnlyDictionary<long, object?> l => l.Count,
        _ => ((IReadOnlyDictionary<object, object?>)dict).Count,
    };

    /// <summary>Looks <paramref name="key"/> up with Python's key equality; false when absent or of a type the dictionary cannot hold.</summary>
    public static bool TryGet(object dict, object? key, out object? value)
    {
        value = null;
        switch (dict)
        {
            case IReadOnlyDictionary<string, object?> s:
                return key is string str && s.TryGetValue(str, out value);
            case IReadOnlyDictionary<long, object?> l:
                return TryIntegralKey(key, out long k) && l.TryGetValue(k, out value);
            default:
                var o = (IReadOnlyDictionary<object, object?>)dict;
                if (key is null)
                {
                    return false;
                }

                if (o is Dictionary<object, object?> { Comparer: PyKeyComparer })
                {
                    return o.TryGetValue(key, out value);
                }

                // A default-comparer dictionary holds boxed longs and strings: normalize 1.0 and True to 1 first.
                return TryIntegralKey(key, out long integral) ? o.TryGetValue(integral, out value) : o.TryGetValue(key, out value);
        }
    }

    /// <summary>The items of a dictionary, keys boxed.</summary>
    public static IEnumerable<KeyValuePair<object, object?>> Items(object dict)
    {
        switch (dict)
        {
            case IReadOnlyDictionary<string, object?> s:
                foreach (KeyValuePair<string, object?> item in s)
                {
                    yield return new KeyValuePair<object, object?>(item.Key, item.Value);
                }

                break;
            case IReadOnlyDictionary<long, object?> l:
                foreach (KeyValuePair<long, object?> item in l)
                {
                    yield return new KeyValuePair<object, object?>(item.Key, item.Value);
                }

                break;
            default:
                foreach (KeyValuePair<object, object?> item in (IReadOnlyDictionary<object, object?>)dict)
                {
                    yield return item;
                }

                break;
        }
    }

    /// <summary>
    /// A dict from a literal's keys and values (later duplicates win, as in Python). String keys only: a string-keyed
    /// dictionary; otherwise one with Python's key equality. None and unhashable keys (list, dict) are refused.
    /// </summary>
    public static object Create(EvalContext ctx, object?[] keys, object?[] values)
    {
        ctx.Tick(keys.Length);
        if (Array.TrueForAll(keys, k => k is string))
        {
            var strings = new Dictionary<string, object?>(keys.Length, StringComparer.Ordinal);
            for (int i = 0; i < keys.Length; i++)
            {
                strings[(string)keys[i]!] = values[i];
            }

            return strings;
        }

        var objects = new Dictionary<object, object?>(keys.Length, PyKeyComparer.Instance);
        for (int i = 0; i < keys.Length; i++)
        {
            object key = keys[i] ?? throw PyErrors.Type("None is not supported as a dict key in queries");
            PyKeyComparer.CheckHashable(key);
            objects[key] = values[i];
        }

        return objects;
    }

    private static bool TryIntegralKey(object? key, out long value)
    {
        switch (key)
        {
            case long l:
                value = l;
                return true;
            case bool b:
                value = b ? 1 : 0;
                return true;
            case double d when Math.Floor(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0:
                value = (long)d;
                return true;
            default:
                value = 0;
                return false;
        }
    }
}
