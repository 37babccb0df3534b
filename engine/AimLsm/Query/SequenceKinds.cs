namespace AimLsm.Query;

/// <summary>Maps sequence dtypes and query variable names to <see cref="SequenceKind"/> (Aim's <c>sequence_type_map.py</c>).</summary>
public static class SequenceKinds
{
    private static readonly string[] Variables = ["metric", "images", "audios", "texts", "distributions", "figures"];
    private static readonly string[] ObjectDtypes = [string.Empty, "aim.image", "aim.audio", "aim.text", "aim.distribution", "aim.figure"];

    /// <summary>The query variables, in <see cref="SequenceKind"/> order: <c>metric, images, audios, texts, distributions, figures</c>.</summary>
    public static IReadOnlyList<string> VariableNames => Variables;

    /// <summary>The query variable of <paramref name="kind"/>: <c>metric</c>, <c>images</c>, ...</summary>
    public static string VariableName(SequenceKind kind) => Variables[(int)kind];

    /// <summary>The kind whose variable is <paramref name="name"/>, or null.</summary>
    public static SequenceKind? FromVariableName(string name)
    {
        int i = Array.IndexOf(Variables, name);
        return i < 0 ? null : (SequenceKind)i;
    }

    /// <summary>
    /// The kind of a sequence with <paramref name="dtype"/>: <c>int</c>, <c>float</c>, <c>number</c> are metrics;
    /// <c>aim.image</c> and <c>list(aim.image)</c> are images, and likewise for audio, text, distribution and figure.
    /// Null for any other dtype (str, bool, logs, ...), which no sequence query selects.
    /// </summary>
    public static SequenceKind? FromDtype(string? dtype)
    {
        if (dtype is null)
        {
            return null;
        }

        if (dtype is "int" or "float" or "number")
        {
            return SequenceKind.Metric;
        }

        ReadOnlySpan<char> inner = dtype;
        if (inner.StartsWith("list(", StringComparison.Ordinal) && inner.EndsWith(")"))
        {
            inner = inner[5..^1];
        }

        for (int i = 1; i < ObjectDtypes.Length; i++)
        {
            if (inner.Equals(ObjectDtypes[i], StringComparison.OrdinalIgnoreCase))
            {
                return (SequenceKind)i;
            }
        }

        return null;
    }
}
