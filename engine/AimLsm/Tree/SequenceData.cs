namespace AimLsm.Tree;

/// <summary>
/// Records of a sequence as columns, in numeric step order: what a range or sample read returns. Numeric sequences
/// fill <see cref="Numbers"/> (and <see cref="Integers"/> when every value is an int); other sequences fill
/// <see cref="Objects"/>, where large fields of objects such as images are <see cref="AimBlob"/>s loaded on demand.
/// </summary>
public sealed class SequenceData
{
    internal SequenceData(long[] steps, long?[] epochs, double[] timestamps, double[]? numbers, long[]? integers, object?[]? objects)
    {
        Steps = steps;
        Epochs = epochs;
        Timestamps = timestamps;
        Numbers = numbers;
        Integers = integers;
        Objects = objects;
    }

    /// <summary>The number of records.</summary>
    public int Count => Steps.Length;

    /// <summary>Steps, strictly increasing.</summary>
    public long[] Steps { get; }

    /// <summary>Epochs; null where a record has none.</summary>
    public long?[] Epochs { get; }

    /// <summary>When each record was tracked, as Unix seconds (Aim's <c>time</c> column).</summary>
    public double[] Timestamps { get; }

    /// <summary>Values of a numeric sequence as doubles, or null for other sequences.</summary>
    public double[]? Numbers { get; }

    /// <summary>Values of a sequence of ints, exact, or null.</summary>
    public long[]? Integers { get; }

    /// <summary>Values of a non-numeric sequence, or null for numeric ones.</summary>
    public object?[]? Objects { get; }

    /// <summary>The value of record <paramref name="index"/> whichever column holds it.</summary>
    public object? GetValue(int index) =>
        Integers is not null ? Integers[index] : Numbers is not null ? Numbers[index] : Objects![index];
}
