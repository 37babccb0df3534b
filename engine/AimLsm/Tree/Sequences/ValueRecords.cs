using System.Buffers;
using AimLsm.Kv.Common;
using AimLsm.Encoding;

namespace AimLsm.Tree.Sequences;

/// <summary>Loads a blob field of a record, given the field's path relative to the record's value.</summary>
internal delegate byte[]? BlobLoader(ReadOnlySpan<byte> relativePath);

/// <summary>
/// The records of one composite value inside a sequence chunk (docs/format.md, section 13.4):
/// <c>varint path length | relative path | varint value length | encoded value</c>, in key order. A value length of 0
/// is the blob sentinel (as in Aim): the field is stored apart and read only when asked for.
/// </summary>
internal static class ValueRecords
{
    public static void WriteRecord(ArrayBufferWriter<byte> writer, ReadOnlySpan<byte> relativePath, ReadOnlySpan<byte> value)
    {
        Span<byte> span = writer.GetSpan(2 * Varint.MaxLength32 + relativePath.Length + value.Length);
        int n = Varint.Write(span, (ulong)relativePath.Length);
        relativePath.CopyTo(span[n..]);
        n += relativePath.Length;
        n += Varint.Write(span[n..], (ulong)value.Length);
        value.CopyTo(span[n..]);
        writer.Advance(n + value.Length);
    }

    /// <summary>Rebuilds the value; blob fields become <see cref="AimBlob"/>s that load on demand.</summary>
    /// <exception cref="AimFormatException">The records are malformed.</exception>
    public static object? Build(ReadOnlySpan<byte> records, BlobLoader? blobs)
    {
        var reader = new TreeReader();
        int pos = 0;
        while (pos < records.Length)
        {
            ReadOnlySpan<byte> path = Next(records, ref pos, "path");
            ReadOnlySpan<byte> value = Next(records, ref pos, "value");
            if (value.IsEmpty)
            {
                byte[] relative = path.ToArray();
                reader.AddScalar(path, new AimBlob(() => blobs?.Invoke(relative)));
            }
            else
            {
                reader.Add(path, value);
            }
        }

        return reader.IsEmpty ? throw new AimFormatException("sequence value", 0, "no records") : reader.Build();
    }

    private static ReadOnlySpan<byte> Next(ReadOnlySpan<byte> records, ref int pos, string what)
    {
        int n = Varint.TryRead32(records[pos..], out uint length);
        if (n <= 0 || records.Length - pos - n < length)
        {
            throw new AimFormatException("sequence value", pos, $"a truncated record {what}");
        }

        ReadOnlySpan<byte> result = records.Slice(pos + n, (int)length);
        pos += n + (int)length;
        return result;
    }
}
