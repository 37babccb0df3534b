using AimLsm.Encoding;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// What one stored sequence chunk holds (docs/format.md, section 13.2), read from its bytes alone: for tools that
/// inspect files (lsm-dump) without opening a repo. The chunk's layout stays internal; this is the part worth showing.
/// </summary>
/// <param name="Version">The chunk format version (1 or 2).</param>
/// <param name="ValueKind">"float", "int" or "encoded" (Aim-encoded values of any type).</param>
/// <param name="Count">Records in the chunk.</param>
/// <param name="FirstStep">The smallest step.</param>
/// <param name="LastStep">The largest step.</param>
/// <param name="FirstValues">The first records' steps and values, numeric chunks only (empty otherwise).</param>
public sealed record ChunkSummary(int Version, string ValueKind, int Count, long FirstStep, long LastStep,
    IReadOnlyList<KeyValuePair<long, double>> FirstValues)
{
    /// <summary>Reads a chunk's summary, with at most <paramref name="maxValues"/> first values.</summary>
    /// <exception cref="AimFormatException">The bytes are not a chunk this build reads; the message names the offset.</exception>
    public static ChunkSummary Read(ReadOnlySpan<byte> chunk, int maxValues = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValues);
        var view = new ChunkView(chunk);
        string kind = view.ValueKind switch
        {
            ChunkFormat.FloatValues => "float",
            ChunkFormat.IntValues => "int",
            _ => "encoded",
        };
        var values = new List<KeyValuePair<long, double>>();
        for (int i = 0; view.IsNumeric && i < Math.Min(view.Count, maxValues); i++)
        {
            values.Add(new(view.Steps[i], view.Number(i)));
        }

        return new ChunkSummary(view.Version, kind, view.Count, view.Steps[0], view.Steps[view.Count - 1], values);
    }
}
