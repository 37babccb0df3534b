namespace AimLsm.Tree;

/// <summary>
/// Columns of a <see cref="SequenceData"/> decoded when first asked for: a long read keeps the epoch and timestamp
/// columns in their stored form (a few bytes a record) instead of 24 bytes a record of arrays, since a curve is
/// drawn from steps and values alone. Implementations are immutable once handed over; <see cref="Fill"/> may run on
/// any thread, once.
/// </summary>
internal interface IDeferredColumns
{
    /// <summary>Decodes the epochs (null where a record has none) and timestamps (Unix seconds) of every record, in
    /// order, into arrays of the data's count.</summary>
    void Fill(long?[] epochs, double[] timestamps);
}
