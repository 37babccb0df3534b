namespace AimLsm.Tree;

/// <summary>
/// Records of a sequence as columns, in numeric step order: what a range or sample read returns. Numeric sequences
/// fill <see cref="Numbers"/> (and <see cref="Integers"/> when every value is an int); other sequences fill
/// <see cref="Objects"/>, where large fields of objects such as images are <see cref="AimBlob"/>s loaded on demand.
/// </summary>
public sealed class SequenceData
{
    private long?[]? _epochs;
    private double[]? _timestamps;
    // Set while the epochs and timestamps are not decoded yet; cleared (after the arrays are published) once they are.
    private IDeferredColumns? _deferred;

    internal SequenceData(long[] steps, long?[] epochs, double[] timestamps, double[]? numbers, long[]? integers, object?[]? objects)
    {
        Steps = steps;
        _epochs = epochs;
        _timestamps = timestamps;
        Numbers = numbers;
        Integers = integers;
        Objects = objects;
    }

    /// <summary>Data whose epochs and timestamps <paramref name="deferred"/> decodes at the first use of either.</summary>
    internal SequenceData(long[] steps, IDeferredColumns deferred, double[]? numbers, long[]? integers, object?[]? objects)
    {
        Steps = steps;
        _deferred = deferred;
        Numbers = numbers;
        Integers = integers;
        Objects = objects;
    }

    /// <summary>The number of records.</summary>
    public int Count => Steps.Length;

    /// <summary>Steps, strictly increasing.</summary>
    public long[] Steps { get; }

    /// <summary>Epochs; null where a record has none.</summary>
    /// <remarks>Of a long read, decoded (with <see cref="Timestamps"/>) at the first use: a curve needs only steps and
    /// values.</remarks>
    public long?[] Epochs => Volatile.Read(ref _epochs) ?? Decode().Epochs;

    /// <summary>When each record was tracked, as Unix seconds (Aim's <c>time</c> column).</summary>
    /// <remarks>Decoded with <see cref="Epochs"/>, at the first use of either.</remarks>
    public double[] Timestamps => Volatile.Read(ref _timestamps) ?? Decode().Timestamps;

    /// <summary>Values of a numeric sequence as doubles, or null for other sequences.</summary>
    public double[]? Numbers { get; }

    /// <summary>Values of a sequence of ints, exact, or null.</summary>
    public long[]? Integers { get; }

    /// <summary>Values of a non-numeric sequence, or null for numeric ones.</summary>
    public object?[]? Objects { get; }

    /// <summary>Decodes the deferred columns once, whichever thread asks first; the others wait for it. Both arrays are
    /// published before the deferred columns are dropped, so a thread that finds none to decode finds both arrays.</summary>
    private (long?[] Epochs, double[] Timestamps) Decode()
    {
        IDeferredColumns? deferred = Volatile.Read(ref _deferred);
        if (deferred is not null)
        {
            lock (deferred)
            {
                if (Volatile.Read(ref _epochs) is null)
                {
                    var epochs = GC.AllocateUninitializedArray<long?>(Steps.Length);
                    var timestamps = GC.AllocateUninitializedArray<double>(Steps.Length);
                    deferred.Fill(epochs, timestamps);
                    // Timestamps first: whoever sees the epochs published sees the timestamps too.
                    Volatile.Write(ref _timestamps, timestamps);
                    Volatile.Write(ref _epochs, epochs);
                    Volatile.Write(ref _deferred, null);
                }
            }
        }

        return (Volatile.Read(ref _epochs)!, Volatile.Read(ref _timestamps)!);
    }

    /// <summary>The value of record <paramref name="index"/> whichever column holds it.</summary>
    public object? GetValue(int index) =>
        Integers is not null ? Integers[index] : Numbers is not null ? Numbers[index] : Objects![index];
}
