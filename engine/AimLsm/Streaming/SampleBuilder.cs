using AimLsm.Tree;

namespace AimLsm.Streaming;

/// <summary>
/// Collects a windowed sampler's picks, in step order, into the columns of a <see cref="SequenceData"/>, sized
/// for the density up front: the result is the only part of a sample that grows with the density. Not thread-safe.
/// </summary>
internal sealed class SampleBuilder(int capacity)
{
    private readonly long[] _steps = new long[capacity];
    private readonly long?[] _epochs = new long?[capacity];
    private readonly double[] _times = new double[capacity];
    private readonly double[] _numbers = new double[capacity];
    private readonly long[] _ints = new long[capacity];

    /// <summary>The records added.</summary>
    public int Count { get; private set; }

    /// <summary>Adds <paramref name="record"/> after the ones added, whose steps it must exceed.</summary>
    public void Add(in SampledRecord record)
    {
        _steps[Count] = record.Step;
        _epochs[Count] = record.Epoch;
        _times[Count] = record.Time;
        _numbers[Count] = record.Number;
        _ints[Count] = record.Int;
        Count++;
    }

    /// <summary>The records as a numeric <see cref="SequenceData"/>; with <paramref name="allInts"/> (every record of the
    /// range, not only the picks, held an int, as a full read would find) also as <see cref="SequenceData.Integers"/>.</summary>
    public SequenceData Build(bool allInts) =>
        new(Trim(_steps), Trim(_epochs), Trim(_times), Trim(_numbers), allInts && Count > 0 ? Trim(_ints) : null, null);

    private T[] Trim<T>(T[] array) => array.Length == Count ? array : array[..Count];
}
