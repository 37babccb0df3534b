using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AimLsm.Encoding;

namespace AimLsm.Streaming;

/// <summary>
/// Aim's numpy encodable (<c>numpy_to_encodable</c>, docs/format.md, section 14.4): a dict
/// <c>{'type': 'numpy', 'shape': n, 'dtype': 'float64', 'blob': n x 8 bytes little-endian}</c>, one bytes record per
/// column, which is how Aim's UI receives every numeric array. Columns of integers are written as float64 when each
/// value is exactly a double (|v| ≤ 2^53, always true in practice) and as <c>int64</c> otherwise, an AimLsm
/// extension that keeps big steps and values exact. Elements go straight into the output, with no array in between.
/// </summary>
internal static class NumpyColumn
{
    private const int PieceBytes = 64 * 1024;

    /// <summary>Writes doubles as a float64 encodable at <paramref name="path"/>.</summary>
    public static void Write(RecordWriter writer, PathBuilder path, ReadOnlySpan<double> values)
    {
        WriteHead(writer, path, values.Length, StreamFormat.Float64);
        WriteBlob<double, RawDouble>(writer, path, values);
    }

    /// <summary>Writes integers as float64 when every one is exact as a double, else as int64.</summary>
    public static void Write(RecordWriter writer, PathBuilder path, ReadOnlySpan<long> values)
    {
        bool exact = true;
        foreach (long v in values)
        {
            exact &= v is >= -StreamFormat.MaxExactDouble and <= StreamFormat.MaxExactDouble;
        }

        WriteHead(writer, path, values.Length, exact ? StreamFormat.Float64 : StreamFormat.Int64);
        if (exact)
        {
            WriteBlob<long, LongAsDouble>(writer, path, values);
        }
        else
        {
            WriteBlob<long, RawLong>(writer, path, values);
        }
    }

    /// <summary>Writes epochs: float64 with NaN for none (Aim), or int64 with <see cref="long.MinValue"/> for none.</summary>
    public static void Write(RecordWriter writer, PathBuilder path, ReadOnlySpan<long?> epochs)
    {
        bool exact = true;
        foreach (long? v in epochs)
        {
            exact &= v is null or (>= -StreamFormat.MaxExactDouble and <= StreamFormat.MaxExactDouble);
        }

        WriteHead(writer, path, epochs.Length, exact ? StreamFormat.Float64 : StreamFormat.Int64);
        if (exact)
        {
            WriteBlob<long?, EpochAsDouble>(writer, path, epochs);
        }
        else
        {
            WriteBlob<long?, EpochAsLong>(writer, path, epochs);
        }
    }

    /// <summary>
    /// Decodes an encodable that <c>ObjectFolder</c> rebuilt: the dict with the blob as a byte[]. Returns doubles
    /// for float64, longs for int64; null for a None node (Aim sends None for a column it cannot encode).
    /// </summary>
    /// <exception cref="StreamFormatException">The node is not a consistent numpy encodable.</exception>
    public static Array? Decode(object? node, long offset, string field)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not Dictionary<string, object?> dict || dict.GetValueOrDefault(StreamFormat.TypeField) is not StreamFormat.NumpyType)
        {
            throw new StreamFormatException(offset, $"the trace field '{field}' is not a numpy encodable {{type: 'numpy', shape, dtype, blob}}.");
        }

        if (dict.GetValueOrDefault(StreamFormat.ShapeField) is not long shape || shape < 0 ||
            dict.GetValueOrDefault(StreamFormat.BlobField) is not byte[] blob || blob.LongLength != shape * 8)
        {
            throw new StreamFormatException(offset, $"the numpy encodable '{field}' needs an int shape n >= 0 and a blob of n x 8 bytes.");
        }

        switch (dict.GetValueOrDefault(StreamFormat.DtypeField))
        {
            case StreamFormat.Float64:
                var doubles = new double[shape];
                if (BitConverter.IsLittleEndian)
                {
                    blob.CopyTo(MemoryMarshal.AsBytes(doubles.AsSpan()));
                }
                else
                {
                    for (int i = 0; i < doubles.Length; i++)
                    {
                        doubles[i] = BinaryPrimitives.ReadDoubleLittleEndian(blob.AsSpan(i * 8));
                    }
                }

                return doubles;
            case StreamFormat.Int64:
                var longs = new long[shape];
                for (int i = 0; i < longs.Length; i++)
                {
                    longs[i] = BinaryPrimitives.ReadInt64LittleEndian(blob.AsSpan(i * 8));
                }

                return longs;
            default:
                throw new StreamFormatException(offset,
                    $"the numpy encodable '{field}' has dtype {dict.GetValueOrDefault(StreamFormat.DtypeField) ?? "None"}; this reader knows float64 and int64.");
        }
    }

    private static void WriteHead(RecordWriter writer, PathBuilder path, int count, string dtype)
    {
        int mark = path.Push(StreamFormat.TypeField);
        writer.WriteString(path.Span, StreamFormat.NumpyType);
        path.Truncate(mark);
        path.Push(StreamFormat.ShapeField);
        writer.WriteInt(path.Span, count);
        path.Truncate(mark);
        path.Push(StreamFormat.DtypeField);
        writer.WriteString(path.Span, dtype);
        path.Truncate(mark);
    }

    /// <summary>The blob record: its key and length, the bytes type byte, then every element as 8 bytes, written
    /// into the output's spans piece by piece.</summary>
    private static void WriteBlob<T, TFormat>(RecordWriter writer, PathBuilder path, ReadOnlySpan<T> values)
        where TFormat : IElementFormat<T>
    {
        int mark = path.Push(StreamFormat.BlobField);
        writer.WriteHeader(path.Span, checked(1 + (8 * values.Length)));
        path.Truncate(mark);
        writer.GetSpan(1)[0] = (byte)AimType.Bytes;
        writer.Advance(1);
        while (!values.IsEmpty)
        {
            Span<byte> span = writer.GetSpan(Math.Min(values.Length * 8, PieceBytes));
            int n = Math.Min(span.Length / 8, values.Length);
            if (typeof(TFormat) == typeof(RawDouble) && BitConverter.IsLittleEndian)
            {
                ref double first = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(values)); // T is double here
                MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref first, n)).CopyTo(span);
            }
            else
            {
                for (int i = 0; i < n; i++)
                {
                    TFormat.Write(span[(i * 8)..], values[i]);
                }
            }

            writer.Advance(n * 8);
            values = values[n..];
        }
    }

    /// <summary>How one element becomes 8 little-endian bytes; static, so the JIT inlines it into the loop.</summary>
    private interface IElementFormat<T>
    {
        static abstract void Write(Span<byte> destination, T value);
    }

    private readonly struct RawDouble : IElementFormat<double>
    {
        public static void Write(Span<byte> destination, double value) => BinaryPrimitives.WriteDoubleLittleEndian(destination, value);
    }

    private readonly struct RawLong : IElementFormat<long>
    {
        public static void Write(Span<byte> destination, long value) => BinaryPrimitives.WriteInt64LittleEndian(destination, value);
    }

    private readonly struct LongAsDouble : IElementFormat<long>
    {
        public static void Write(Span<byte> destination, long value) => BinaryPrimitives.WriteDoubleLittleEndian(destination, value);
    }

    private readonly struct EpochAsDouble : IElementFormat<long?>
    {
        public static void Write(Span<byte> destination, long? value) => BinaryPrimitives.WriteDoubleLittleEndian(destination, value ?? double.NaN);
    }

    private readonly struct EpochAsLong : IElementFormat<long?>
    {
        public static void Write(Span<byte> destination, long? value) => BinaryPrimitives.WriteInt64LittleEndian(destination, value ?? long.MinValue);
    }
}
