using AimLsm.Tests.Testing;
using AimLsm.Tests.Tree.Repo;
using AimLsm.Tree;

namespace AimLsm.Tests.Tree.Sequences;

/// <summary>
/// Late and repeated steps (issue 14, point 5) against an in-memory oracle: steps arriving in a random permutation,
/// in Aim's evaluation pattern (every k-th step some steps late), descending, across zero, with overwrites; chunk sizes
/// that make chunks split, change keys and (with 2-record chunks) overflow the writer's cache of late chunks. Reads
/// while tracking see only values that were tracked at their step; after a flush and after a reopen, everything
/// equals the oracle: records, ranges, samples and metadata (<c>last_step</c> only moves forward; a repeated step
/// overwrites, <c>last</c> included).
/// </summary>
public class LateStepTests
{
    public static TheoryData<string, int, int> Cases => new()
    {
        { "permutation", 256, 20_000 },
        { "permutation", 7, 5_000 },
        { "permutation", 2, 20_000 },   // 10,000+ chunks: more than the writer keeps in memory, so it evicts and reloads
        { "late", 8, 10_000 },
        { "late", 256, 30_000 },
        { "descending", 5, 3_000 },
        { "across zero", 4, 4_000 },
        { "overwrites", 16, 8_000 },
    };

    /// <summary>The (step, value) arrivals of a case, deterministic for its name and size.</summary>
    private static List<(long Step, double Value)> Arrivals(string order, int n)
    {
        var rng = new Random(order.Length * 7919 + n);
        var arrivals = new List<(long, double)>(n);
        switch (order)
        {
            case "permutation":
                long[] steps = [.. Enumerable.Range(0, n).Select(i => (long)i)];
                rng.Shuffle(steps);
                arrivals.AddRange(steps.Select(s => (s, (double)(float)rng.NextDouble())));
                break;
            case "late":
                // Every 10th step arrives 37 steps late (an evaluation that finishes after training moved on).
                for (long s = 0; s < n + 37; s++)
                {
                    if (s < n && s % 10 != 0)
                    {
                        arrivals.Add((s, s * 0.5));
                    }

                    if (s - 37 >= 0 && s - 37 < n && (s - 37) % 10 == 0)
                    {
                        arrivals.Add((s - 37, -(s - 37)));
                    }
                }

                break;
            case "descending":
                for (long s = n - 1; s >= 0; s--)
                {
                    arrivals.Add((s * 3, s));
                }

                break;
            case "across zero":
                for (int i = 0; i < n; i++)
                {
                    arrivals.Add((rng.NextInt64(-n, n), rng.NextDouble() - 0.5));
                }

                break;
            default:
                // In order with frequent repeats of recent and old steps, NaN and infinities among the values.
                for (int i = 0; i < n; i++)
                {
                    long step = rng.Next(4) == 0 ? rng.NextInt64(0, i + 1) : i;
                    double value = rng.Next(50) switch
                    {
                        0 => double.NaN,
                        1 => double.PositiveInfinity,
                        _ => rng.NextDouble() * 100,
                    };
                    arrivals.Add((step, value));
                }

                break;
        }

        return arrivals;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Late_and_repeated_steps_match_the_oracle_during_after_and_across_a_reopen(string order, int chunkSize, int n)
    {
        using var dir = new TempDirectory();
        var options = new RepoOptions { SequenceChunkSize = chunkSize };
        List<(long Step, double Value)> arrivals = Arrivals(order, n);
        var oracle = new SortedDictionary<long, double>();
        var history = new Dictionary<long, HashSet<double>>();
        long lastStep = long.MinValue;
        double last = double.NaN;
        int half = arrivals.Count / 2;
        var rng = new Random(n);

        void TrackRange(Run run, int from, int to)
        {
            Sequence m = run.GetSequence("m");
            for (int i = from; i < to; i++)
            {
                (long step, double value) = arrivals[i];
                m.Track(value, step);
                oracle[step] = value;
                (history.TryGetValue(step, out HashSet<double>? seen) ? seen : history[step] = []).Add(value);
                if (step >= lastStep)
                {
                    (lastStep, last) = (step, value);
                }

                if (rng.Next(n / 8) == 0)
                {
                    ReadWhileTracking(m, history);
                }

                if (rng.Next(n / 4) == 0)
                {
                    run.Flush();
                    AssertMatches(m, oracle, lastStep, last);
                }
            }

            run.Flush();
            AssertMatches(m, oracle, lastStep, last);
        }

        RepoTestKit.AcrossAReopen(dir.Path, options, run => TrackRange(run, 0, half), run =>
        {
            AssertMatches(run.GetSequence("m"), oracle, lastStep, last);
            TrackRange(run, half, arrivals.Count);
        });

        using AimLsm.Tree.Repo reader = AimLsm.Tree.Repo.OpenReadOnly(dir.Path);
        AssertMatches(reader.Runs.Single().GetSequence("m"), oracle, lastStep, last);
    }

    [Fact]
    public void Last_step_only_moves_forward_and_a_repeated_last_step_overwrites_last()
    {
        using var one = new OneRun(new RepoOptions { SequenceChunkSize = 4 });
        Sequence m = one.Run.GetSequence("m");
        for (long step = 0; step < 40; step++)
        {
            m.Track(step * 2.0, step);
        }

        m.Track(-1.0, 3);      // late: last stays
        m.Track(99.0, 39);     // the last step again: overwrites, and last follows
        m.Track(5.0, 10);      // late again
        one.Run.Flush();
        SequenceInfo info = m.Info;
        Assert.Equal(39, info.LastStep);
        Assert.Equal(99.0, info.Last);
        Assert.Equal(40, info.Count);
        Assert.Equal(-1.0, info.Min);
        Assert.Equal(99.0, info.Max);
        m.Track(1.0); // the default step is one past the highest
        one.Run.Flush();
        Assert.Equal(40, m.Info.LastStep);
        Assert.Equal([-1.0, 5.0, 1.0], new[] { 3L, 10, 40 }.Select(s => m.Read(s, s + 1).Numbers![0]));
    }

    /// <summary>What a read sees while points are in flight: steps in order, each value one that was tracked at its step.</summary>
    private static void ReadWhileTracking(Sequence m, Dictionary<long, HashSet<double>> history)
    {
        SequenceData d = m.Read();
        for (int i = 0; i < d.Count; i++)
        {
            if (i > 0 && d.Steps[i] <= d.Steps[i - 1])
            {
                Assert.Fail($"steps out of order at {i}: {d.Steps[i - 1]}, {d.Steps[i]}");
            }

            Assert.True(history.TryGetValue(d.Steps[i], out HashSet<double>? seen) && seen.Contains(d.Numbers![i]),
                $"step {d.Steps[i]} reads {d.Numbers![i]}, never tracked there");
        }
    }

    private static void AssertMatches(Sequence m, SortedDictionary<long, double> oracle, long lastStep, double last)
    {
        SequenceData all = m.Read();
        Assert.Equal(oracle.Keys, all.Steps);
        Assert.Equal(oracle.Values, all.Numbers!);
        long[] keys = [.. oracle.Keys];
        long from = keys[keys.Length / 3], to = keys[2 * keys.Length / 3] + 1;
        Assert.Equal(keys.Where(k => k >= from && k < to), m.Read(from, to).Steps);
        SequenceData sample = m.Sample(50);
        Assert.InRange(sample.Count, Math.Min(2, oracle.Count), 50);
        for (int i = 0; i < sample.Count; i++)
        {
            Assert.Equal(oracle[sample.Steps[i]], sample.Numbers![i]);
        }

        SequenceInfo info = m.Info;
        Assert.Equal(oracle.Count, info.Count);
        Assert.Equal(keys[0], info.FirstStep);
        Assert.Equal(lastStep, info.LastStep);
        Assert.Equal(last, info.Last);
        double[] numbers = [.. oracle.Values.Where(v => !double.IsNaN(v))];
        Assert.Equal(numbers.Length == 0 ? null : numbers.Min(), info.Min);
        Assert.Equal(numbers.Length == 0 ? null : numbers.Max(), info.Max);
    }
}
