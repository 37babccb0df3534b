using System.Buffers;
using System.Collections;
using AimLsm.Encoding;

namespace AimLsm.Tree.Sequences;

/// <summary>Turns tracked .NET values into <see cref="TrackedValue"/>s and back, and names their Aim dtype.</summary>
internal static class ValueCodec
{
    /// <summary>A thread's cached <see cref="TreeWriter"/> is dropped once its buffers pass 1 MiB.</summary>
    private const int TreeWriterKeptBytes = 1 << 20;

    [ThreadStatic]
    private static TreeWriter? t_writer;

    /// <summary>
    /// Encodes <paramref name="value"/>. Numbers, bool and None allocate nothing. Fields of composite values whose
    /// encoding is at least <paramref name="blobThreshold"/> bytes go to <see cref="TrackedValue.Blobs"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The value (or a part of it) has an unsupported type; the message says where.</exception>
    public static TrackedValue FromObject(object? value, int blobThreshold)
    {
        switch (value)
        {
            case null: return new TrackedValue(AimType.None, 0);
            case double d: return TrackedValue.Float(d);
            case float f: return TrackedValue.Float(f);
            case long l: return TrackedValue.Int(l);
            case int i: return TrackedValue.Int(i);
            case bool b: return new TrackedValue(AimType.Bool, b ? 1 : 0);
            case short or sbyte or byte or ushort or uint: return TrackedValue.Int(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
            case ulong ul when ul <= long.MaxValue: return TrackedValue.Int((long)ul);
            case string s:
                var str = new ArrayBufferWriter<byte>(s.Length + 1);
                AimValueWriter.WriteString(str, s);
                return new TrackedValue(AimType.Str, 0, str.WrittenSpan.ToArray());
            case byte[] bytes:
                var raw = new ArrayBufferWriter<byte>(bytes.Length + 1);
                AimValueWriter.WriteBytes(raw, bytes);
                return new TrackedValue(AimType.Bytes, 0, raw.WrittenSpan.ToArray());
        }

        var sink = new RecordSink(blobThreshold);
        TreeWriter writer = t_writer ??= new TreeWriter();
        writer.Flatten(value, [], ref sink);
        if (writer.BufferBytes > TreeWriterKeptBytes)
        {
            t_writer = null; // grown by a large field: not kept for the thread's lifetime
        }

        AimType type = value switch
        {
            AimObject => AimType.CustomObject,
            IDictionary => AimType.Dict,
            IList => AimType.List,
            _ => throw new ArgumentException($"A value of .NET type {value!.GetType()} cannot be tracked.", nameof(value)),
        };
        return new TrackedValue(type, 0, sink.WriteSorted(), sink.Blobs?.ToArray());
    }

    /// <summary>The value stored as <paramref name="records"/> (a chunk's encoded value) in the writer's form.</summary>
    public static TrackedValue FromRecords(ReadOnlySpan<byte> records)
    {
        // A scalar is one record at the empty path; keep it in scalar form so that metadata sees a number as a number.
        if (records.Length >= 2 && records[0] == 0)
        {
            int n = Kv.Common.Varint.TryRead32(records[1..], out uint length);
            if (n > 0 && 1 + n + length == records.Length && length > 0)
            {
                AimValue scalar = AimValue.Parse(records[(1 + n)..]);
                switch (scalar.Type)
                {
                    case AimType.None: return new TrackedValue(AimType.None, 0);
                    case AimType.Bool: return new TrackedValue(AimType.Bool, scalar.AsBool() ? 1 : 0);
                    case AimType.Int: return TrackedValue.Int(scalar.AsLong());
                    case AimType.Float: return TrackedValue.Float(scalar.AsDouble());
                    case AimType.Str or AimType.Bytes: return new TrackedValue(scalar.Type, 0, records[(1 + n)..].ToArray());
                }
            }
        }

        // A composite value's first record is its own, at the empty path (a list or object marker); a non-empty
        // dict has none, so its first record is a child's.
        AimType type = AimType.Dict;
        if (records.Length >= 2 && records[0] == 0)
        {
            int n = Kv.Common.Varint.TryRead32(records[1..], out uint length);
            if (n > 0 && length > 0 && 1 + n + length <= records.Length)
            {
                type = AimValue.Parse(records.Slice(1 + n, (int)length)).Type;
            }
        }

        return new TrackedValue(type, 0, records.ToArray());
    }

    /// <summary>Writes the records of <paramref name="value"/>: one record at the empty path for a scalar.</summary>
    public static void WriteRecords(in TrackedValue value, ArrayBufferWriter<byte> writer)
    {
        if (value.Type is AimType.List or AimType.Dict or AimType.CustomObject)
        {
            writer.Write(value.Encoded);
            return;
        }

        if (value.Encoded is { } encoded)
        {
            ValueRecords.WriteRecord(writer, [], encoded);
            return;
        }

        if (value.IsStoredApart)
        {
            ValueRecords.WriteRecord(writer, [], []); // the blob sentinel at the empty path: the value is the step's blob
            return;
        }

        Span<byte> scalar = stackalloc byte[9];
        scalar[0] = (byte)value.Type;
        int length = value.Type switch
        {
            AimType.Bool => 2,
            AimType.Int or AimType.Float => 9,
            _ => 1,
        };
        if (length == 2)
        {
            scalar[1] = (byte)(value.Bits != 0 ? 1 : 0);
        }
        else if (length == 9)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(scalar[1..], value.Bits);
        }

        ValueRecords.WriteRecord(writer, [], scalar[..length]);
    }

    /// <summary>
    /// Aim's dtype of a tracked value: <c>float</c>, <c>int</c>, <c>str</c>, <c>bool</c>, <c>bytes</c>, <c>none</c>,
    /// <c>dict</c>, a custom object's type name (<c>aim.image</c>), or <c>list(T)</c> when every element has dtype T.
    /// </summary>
    public static string Dtype(object? value) => value switch
    {
        null => "none",
        double or float => "float",
        bool => "bool",
        long or int or short or sbyte or byte or ushort or uint or ulong => "int",
        string => "str",
        byte[] => "bytes",
        AimObject obj => obj.TypeName,
        IDictionary => "dict",
        IList list => ListDtype(list),
        _ => value.GetType().Name,
    };

    /// <summary>Whether a sequence of dtype <paramref name="existing"/> accepts a value of dtype <paramref name="incoming"/>,
    /// and the sequence's dtype afterwards (int and float make <c>number</c>, as in Aim).</summary>
    public static bool TryMerge(string existing, string incoming, out string merged)
    {
        if (existing == incoming)
        {
            merged = existing;
            return true;
        }

        bool existingNumeric = existing is "int" or "float" or "number";
        bool incomingNumeric = incoming is "int" or "float";
        merged = "number";
        return existingNumeric && incomingNumeric;
    }

    private static string ListDtype(IList list)
    {
        if (list.Count == 0)
        {
            return "list";
        }

        string first = Dtype(list[0]);
        for (int i = 1; i < list.Count; i++)
        {
            if (Dtype(list[i]) != first)
            {
                return "list";
            }
        }

        return $"list({first})";
    }

    /// <summary>
    /// Collects the records of a flattened value. <see cref="TreeWriter"/> emits them in the container's order; they
    /// are stored in key order (<see cref="WriteSorted"/>), the order an engine scan would give and the one
    /// <see cref="TreeReader"/> folds.
    /// </summary>
    private struct RecordSink(int blobThreshold) : ITreeSink
    {
        private readonly List<(byte[] Path, byte[] Value)> _records = [];
        public List<BlobField>? Blobs;

        public void Add(ReadOnlySpan<byte> path, ReadOnlySpan<byte> value)
        {
            if (!path.IsEmpty && value.Length >= blobThreshold && (AimType)value[0] is AimType.Bytes or AimType.Str)
            {
                (Blobs ??= []).Add(new BlobField(path.ToArray(), value.ToArray()));
                _records.Add((path.ToArray(), []));
                return;
            }

            _records.Add((path.ToArray(), value.ToArray()));
        }

        public readonly byte[] WriteSorted()
        {
            _records.Sort(static (a, b) => a.Path.AsSpan().SequenceCompareTo(b.Path));
            var writer = new ArrayBufferWriter<byte>(64);
            foreach ((byte[] path, byte[] value) in _records)
            {
                ValueRecords.WriteRecord(writer, path, value);
            }

            return writer.WrittenSpan.ToArray();
        }
    }
}
