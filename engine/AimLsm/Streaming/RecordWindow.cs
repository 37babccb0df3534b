using System.Diagnostics;
using AimLsm.Tree.Sequences;

namespace AimLsm.Streaming;

/// <summary>
/// A window of consecutive records of a <see cref="SequenceRangeCounter"/>, one array per column: what a windowed
/// sampler holds of a range at a time: 16 bytes per record of capacity for steps and numbers, 24 and the stored
/// epoch and timestamp columns (a few bytes a record) once a fill reads whole records. A sampler picks a few records
/// of a window, so their epochs and timestamps are decoded only when <see cref="At"/> asks. Not thread-safe.
/// </summary>
internal sealed class RecordWindow(int capacity)
{
    private readonly long[] _steps = new long[capacity];
    private readonly double[] _numbers = new double[capacity];
    // Allocated by the first fill of whole records: a window that only averages and compares never needs them.
    private long[]? _ints;
    private RetainedColumns? _columns;
    private bool _whole;

    /// <summary>The records the last fill read.</summary>
    public int Count { get; private set; }

    /// <summary>The most records a fill reads.</summary>
    public int Capacity => _steps.Length;

    /// <summary>Steps of the records read.</summary>
    public ReadOnlySpan<long> Steps => _steps.AsSpan(0, Count);

    /// <summary>Values of the records read, as doubles.</summary>
    public ReadOnlySpan<double> Numbers => _numbers.AsSpan(0, Count);

    /// <summary>Reads the next <paramref name="records"/> records of <paramref name="range"/> (fewer at its end,
    /// at most <see cref="Capacity"/>), replacing what the window held; with <paramref name="whole"/> false only
    /// steps and numbers are decoded, and <see cref="At"/> is not to be used. Returns <see cref="Count"/>.</summary>
    public int Fill(SequenceRangeCounter range, int records, bool whole = true)
    {
        int n = Math.Min(records, Capacity);
        _whole = whole;
        if (!whole)
        {
            return Count = range.Read(_steps.AsSpan(0, n), _numbers.AsSpan(0, n), default, default, default);
        }

        _ints ??= new long[Capacity];
        _columns ??= new RetainedColumns(2 * Math.Min(Capacity, 4096));
        _columns.Clear();
        return Count = range.Read(_steps.AsSpan(0, n), _numbers.AsSpan(0, n), default, default, _ints.AsSpan(0, n), _columns);
    }

    /// <summary>Record <paramref name="index"/> of the window, every column.</summary>
    public SampledRecord At(int index)
    {
        Debug.Assert(_whole && (uint)index < (uint)Count, "a record of a fill of whole records");
        _columns!.Get(index, out long? epoch, out double seconds);
        return new(_steps[index], epoch, seconds, _numbers[index], _ints![index]);
    }
}
