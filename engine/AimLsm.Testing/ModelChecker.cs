using System.Text;
using AimLsm.Kv.IO;

namespace AimLsm.Testing;

/// <summary>
/// The model-based checker (Pebble's metamorphic test, LevelDB's model test): runs random operation logs against a
/// <c>Db</c> and an in-memory oracle, and on the first divergence shrinks the log to a small case that still fails
/// and reports it as replayable text.
/// </summary>
/// <remarks>
/// Case i is generated from <c>seed + i</c>, so a failure names the seed and index that reproduce it, and its shrunk
/// text replays without any randomness (<see cref="ModelCase.Parse"/>, then <see cref="Replay"/>). Shrinking is
/// greedy: it takes the first candidate of <see cref="ModelGen.Shrink"/> that still fails and starts again from it,
/// until none does or <see cref="ModelCheckOptions.MaxShrinkRuns"/> runs are spent. A failure that depends on timing
/// (a background flush racing a read) may shrink less, never to a passing case: every reported case failed when run.
/// </remarks>
public static class ModelChecker
{
    /// <summary>Runs <see cref="ModelCheckOptions.Cases"/> random cases; returns what ran.</summary>
    /// <exception cref="ModelDivergenceException">A case diverged; <see cref="ModelDivergenceException.Case"/> is the
    /// shrunk case and the message holds its text, the seed and the original failure.</exception>
    public static ModelCheckReport Check(ModelCheckOptions? options = null)
    {
        options ??= new ModelCheckOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Cases);
        if (options.OptionSets is { } sets && sets.Any(i => i < 0 || i >= ModelGen.OptionSets.Count))
        {
            throw new ArgumentException(
                $"ModelCheckOptions.OptionSets ({string.Join(", ", sets)}) names an option set that does not exist: there are 0..{ModelGen.OptionSets.Count - 1}", nameof(options));
        }
        int seed = options.Seed ?? Random.Shared.Next();
        long ops = 0, flushes = 0, reopens = 0;
        for (int i = 0; i < options.Cases; i++)
        {
            ModelCase c = ModelGen.Case(new Random(unchecked(seed + i)), options.OptionSets);
            ModelDivergenceException? failure = TryRun(c, options.Storage);
            if (failure is not null)
            {
                throw Shrunk(c, failure, options, seed, i);
            }
            ops += c.Ops.Length;
            flushes += c.Ops.Count(o => o is FlushOp);
            reopens += c.Ops.Count(o => o is ReopenOp);
        }
        return new ModelCheckReport(seed, options.Cases, ops, flushes, reopens);
    }

    /// <summary>Runs one case (a saved regression, say) on fresh storage from <paramref name="storage"/>.</summary>
    /// <exception cref="ModelDivergenceException">The case diverged.</exception>
    public static void Replay(ModelCase c, Func<(IFileSystem FileSystem, string Path)>? storage = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (TryRun(c, storage) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>The smallest failing case a greedy walk over <see cref="ModelGen.Shrink"/> finds from <paramref name="failing"/>.</summary>
    /// <param name="failing">A case that fails.</param>
    /// <param name="storage">Fresh storage per run, as <see cref="ModelCheckOptions.Storage"/>.</param>
    /// <param name="maxRuns">The most runs to spend.</param>
    /// <param name="runs">The runs spent.</param>
    public static ModelCase Shrink(ModelCase failing, Func<(IFileSystem FileSystem, string Path)>? storage, int maxRuns, out int runs)
    {
        ArgumentNullException.ThrowIfNull(failing);
        runs = 0;
        ModelCase best = failing;
        bool progress = true;
        while (progress && runs < maxRuns)
        {
            progress = false;
            foreach (ModelCase candidate in ModelGen.Shrink(best))
            {
                if (runs++ >= maxRuns)
                {
                    break;
                }
                if (TryRun(candidate, storage) is not null)
                {
                    best = candidate;
                    progress = true;
                    break;
                }
            }
        }
        return best;
    }

    private static ModelDivergenceException Shrunk(ModelCase original, ModelDivergenceException first, ModelCheckOptions options, int seed, int index)
    {
        ModelCase small = Shrink(original, options.Storage, options.MaxShrinkRuns, out int runs);
        // Run the shrunk case once more for its own message (and to report a case that failed as reported).
        ModelDivergenceException last = TryRun(small, options.Storage) ?? first;
        if (ReferenceEquals(last, first))
        {
            small = original;
        }
        var sb = new StringBuilder();
        sb.AppendLine($"The engine diverged from the model in case {index} of seed {seed} ({original.Ops.Length} ops, shrunk to {small.Ops.Length} in {runs} runs).");
        sb.AppendLine($"Shrunk failure: {FirstLine(last.Message)}");
        sb.AppendLine($"Original failure: {FirstLine(first.Message)}");
        sb.AppendLine("Replayable case (ModelCase.Parse, then ModelChecker.Replay):");
        sb.AppendLine(small.ToString());
        return new ModelDivergenceException(sb.ToString(), small, original, seed, last);
    }

    private static string FirstLine(string s)
    {
        int nl = s.IndexOf('\n', StringComparison.Ordinal);
        return (nl < 0 ? s : s[..nl]).TrimEnd('\r');
    }

    private static ModelDivergenceException? TryRun(ModelCase c, Func<(IFileSystem FileSystem, string Path)>? storage)
    {
        (IFileSystem fs, string path) = storage?.Invoke() ?? (new MemFileSystem(), "/model/db");
        try
        {
            ModelRunner.Run(c.Ops, c.Options(), fs, path);
            return null;
        }
        catch (ModelDivergenceException e)
        {
            return e;
        }
    }
}
