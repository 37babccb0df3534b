using System.Collections;
using AimLsm.Encoding;
using AimLsm.Testing;

namespace AimLsm.Tests.Tree.Encoding;

/// <summary>Helpers shared by the tree encoding tests: flatten to records, rebuild, and compare nested values.</summary>
internal static class TreeTestUtil
{
    /// <summary>The records <see cref="TreeWriter"/> produces, in production order.</summary>
    public static List<(byte[] Path, byte[] Value)> Flatten(object? value, byte[]? prefix = null)
    {
        var records = new List<(byte[], byte[])>();
        new TreeWriter().Flatten(value, prefix ?? [], (p, v) => records.Add((p.ToArray(), v.ToArray())));
        return records;
    }

    /// <summary>Sorts records into key order (as the engine stores them) and folds them back, stripping the prefix.</summary>
    public static object? Rebuild(IEnumerable<(byte[] Path, byte[] Value)> records, int prefixLength = 0)
    {
        var reader = new TreeReader();
        foreach ((byte[] path, byte[] value) in records.OrderBy(r => r.Path, ByteComparer.Instance))
        {
            reader.Add(path.AsSpan(prefixLength), value);
        }

        return reader.Build();
    }

    /// <summary>Structural equality: doubles by bits, byte arrays by content, ints compared as long.</summary>
    public static bool DeepEqual(object? a, object? b)
    {
        switch (a)
        {
            case null: return b is null;
            case double d: return b is double e && BitConverter.DoubleToInt64Bits(d) == BitConverter.DoubleToInt64Bits(e);
            case byte[] x: return b is byte[] y && x.AsSpan().SequenceEqual(y);
            case string s: return b is string t && s == t;
            case bool f: return b is bool g && f == g;
            case int i: return b is long j && i == j;
            case long l: return b is long m && l == m;
            case AimObject o:
                return b is AimObject p && o.TypeName == p.TypeName && DictEqual(o.Fields, p.Fields);
            case IDictionary da: return b is IDictionary db && DictEqual(da, db);
            case IList la:
                if (b is not IList lb || la.Count != lb.Count)
                {
                    return false;
                }

                for (int k = 0; k < la.Count; k++)
                {
                    if (!DeepEqual(la[k], lb[k]))
                    {
                        return false;
                    }
                }

                return true;
            default: return false;
        }
    }

    private static bool DictEqual(IDictionary a, IDictionary b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (DictionaryEntry e in a)
        {
            object key = e.Key is int i ? (long)i : e.Key;
            if (!b.Contains(key) || !DeepEqual(e.Value, b[key]))
            {
                return false;
            }
        }

        return true;
    }
}
