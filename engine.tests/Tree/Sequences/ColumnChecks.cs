using System.Buffers;
using AimLsm.Tree.Sequences;

namespace AimLsm.Tests.Tree.Sequences;

/// <summary>The round-trip check both int column formats (version 1 and 2) share.</summary>
internal static class ColumnChecks
{
    public delegate void WriteColumn(IBufferWriter<byte> writer, ReadOnlySpan<long> values);

    public delegate int ReadColumn(ReadOnlySpan<byte> data, int count, string what, int offset, out IntColumnView column);

    /// <summary>Writes <paramref name="values"/>, reads them back entry by entry and the window that
    /// <paramref name="a"/> and <paramref name="b"/> pick through <c>CopyTo</c>, and checks the column's length.</summary>
    public static void EveryWindowReadsBack(long[] values, int a, int b, WriteColumn write, ReadColumn read)
    {
        var writer = new ArrayBufferWriter<byte>();
        write(writer, values);
        int used = read(writer.WrittenSpan, values.Length, "test column", 0, out IntColumnView view);
        Assert.Equal(writer.WrittenCount, used);

        int start = a % values.Length;
        int length = b % (values.Length - start + 1);
        var copied = new long[length];
        view.CopyTo(start, copied);
        Assert.Equal(values.AsSpan(start, length).ToArray(), copied);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(values[i], view[i]);
        }
    }
}
