using System.Buffers.Binary;
using AimLsm.Encoding;

namespace AimLsm.Tests.Streaming;

/// <summary>
/// A port of Aim's UI decoder (<c>aim/web/ui/src/utils/encoder/streamEncoding.ts</c>: <c>decodeBufferPairs</c>,
/// <c>decodePathsVals</c>, <c>iterFoldTree(level=1)</c>), kept as literal as C# allows, to check that what our writer
/// sends is what Aim's UI can fold: records in depth-first order, a node's children right after it, list elements
/// in index order. Where the JS would assert or loop forever, this throws. Dicts become
/// <c>Dictionary&lt;object, object?&gt;</c> (JS objects), lists <c>List&lt;object?&gt;</c>, bytes byte[].
/// </summary>
internal static class AimJsDecoder
{
    private static readonly object ArrayFlag = new();
    private static readonly object ObjectFlag = new();

    /// <summary>The top-level objects, as <c>parseStream</c> iterates them.</summary>
    public static List<(object Key, object? Value)> Decode(byte[] stream)
    {
        var result = new List<(object, object?)>();
        var stack = new List<object?>();
        var path = new List<object>();
        bool first = true;
        foreach ((List<object> keys, object? val) in DecodePathsVals(DecodeBufferPairs(stream)))
        {
            if (first)
            {
                Assert.Empty(keys); // iterFoldTree: the first record is the root
                stack.Add(ValToNode(val));
                first = false;
                continue;
            }

            while (!path.SequenceEqual(keys.Take(path.Count)))
            {
                object? last = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                if (stack.Count == 1)
                {
                    result.Add((path[0], last));
                }

                path.RemoveAt(path.Count - 1);
            }

            object? node = ValToNode(val);
            if (keys.Count != path.Count + 1)
            {
                throw new InvalidOperationException($"Assertion Error: record {string.Join("/", keys)} is not a child of {string.Join("/", path)}");
            }

            object key = keys[^1];
            path.Add(key);
            switch (stack[^1])
            {
                case List<object?> array:
                    long index = key is long l ? l : throw new InvalidOperationException($"str key {key} in an array");
                    if (index < array.Count)
                    {
                        throw new InvalidOperationException($"array index {index} after {array.Count} elements: the JS would loop forever");
                    }

                    while (array.Count != index)
                    {
                        array.Add(null);
                    }

                    array.Add(node);
                    break;
                case Dictionary<object, object?> dict:
                    dict[key] = node;
                    break;
                default:
                    throw new InvalidOperationException($"a child {key} below a scalar");
            }

            stack.Add(node);
        }

        if (stack.Count > 1)
        {
            result.Add((path[0], stack[1]));
        }

        return result;
    }

    private static List<(byte[] Path, byte[] Value)> DecodeBufferPairs(byte[] stream)
    {
        var records = new List<(byte[], byte[])>();
        int at = 0;
        while (at < stream.Length)
        {
            var record = new byte[2][];
            for (int idx = 0; idx < 2; idx++)
            {
                int length = BinaryPrimitives.ReadInt32LittleEndian(stream.AsSpan(at));
                record[idx] = stream.AsSpan(at + 4, length).ToArray();
                at += 4 + length;
            }

            records.Add((record[0], record[1]));
        }

        return records;
    }

    private static IEnumerable<(List<object> Keys, object? Value)> DecodePathsVals(List<(byte[] Path, byte[] Value)> records)
    {
        List<object>? state = null;
        foreach ((byte[] encodedPath, byte[] encodedValue) in records)
        {
            List<object> pieces = [.. TreePath.Decode(encodedPath).Select(s => s.IsInt ? (object)s.Int : s.String)];
            object? val = DecodeValue(encodedValue);
            if (state is null)
            {
                if (pieces.Count > 0)
                {
                    yield return ([], ObjectFlag);
                }

                state = [];
            }

            int prefix = 0;
            while (prefix < pieces.Count && prefix < state.Count && Equals(pieces[prefix], state[prefix]))
            {
                prefix++;
            }

            state.RemoveRange(prefix, state.Count - prefix);
            while (state.Count != pieces.Count)
            {
                state.Add(pieces[state.Count]);
                if (state.Count != pieces.Count)
                {
                    yield return ([.. state], ObjectFlag);
                }
            }

            yield return ([.. state], val);
        }
    }

    private static object? DecodeValue(byte[] encoded) => (AimType)encoded[0] switch
    {
        AimType.List => ArrayFlag,
        AimType.Dict => ObjectFlag,
        _ => AimValue.Parse(encoded).ToScalar(), // the JS has no custom-object case (Aim sends dicts)
    };

    private static object? ValToNode(object? val) =>
        ReferenceEquals(val, ObjectFlag) ? new Dictionary<object, object?>() : ReferenceEquals(val, ArrayFlag) ? new List<object?>() : val;
}
