using AimLsm.Kv;

namespace AimLsm.Testing;

/// <summary>
/// One model-test case: an index into <see cref="ModelGen.OptionSets"/> and the operations. Its text form
/// (<see cref="ToString"/>, read back by <see cref="Parse"/>) is a "# options N" line and one op per line, the form a
/// failure is reported in and regression files are saved in.
/// </summary>
/// <param name="OptionSet">Which of <see cref="ModelGen.OptionSets"/> the case runs under.</param>
/// <param name="Ops">The operations, in order.</param>
public sealed record ModelCase(int OptionSet, ModelOp[] Ops)
{
    /// <summary>A fresh copy of the case's engine options (the runner sets the file system on it).</summary>
    public DbOptions Options() => ModelGen.OptionSets[OptionSet].ToDbOptions();

    /// <summary>The replayable text form.</summary>
    public override string ToString() => $"# options {OptionSet}{Environment.NewLine}{string.Join(Environment.NewLine, Ops.Select(o => o.ToString()))}";

    /// <summary>Reads the text form: an optional "# options N" line, then one op per line; other '#' lines are comments.</summary>
    /// <exception cref="ModelFormatException">A line is no op, or the option set does not exist; the message names the line.</exception>
    public static ModelCase Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int set = 0;
        var ops = new List<ModelOp>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.StartsWith("# options ", StringComparison.Ordinal))
            {
                if (!int.TryParse(line["# options ".Length..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out set)
                    || set >= ModelGen.OptionSets.Count)
                {
                    throw new ModelFormatException($"line {i + 1}: '{line}' names no option set (0..{ModelGen.OptionSets.Count - 1})");
                }
            }
            else if (line.Length > 0 && !line.StartsWith('#'))
            {
                ops.Add(ModelOp.Parse(line));
            }
        }
        return new ModelCase(set, [.. ops]);
    }
}
