using AimLsm.Streaming;
using AimLsm.Tree;
using AimLsm.Encoding;
using FsCheck;
using FsCheck.Fluent;

namespace AimLsm.Tests.Streaming;

/// <summary>Down-sampling keeps the curve's shape, the first and the last point, and never exceeds the density.</summary>
public class SequenceSamplerTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true);

    private static (long[] Steps, double[] Values) Wave(int n, int spikeAt = -1)
    {
        long[] steps = [.. Enumerable.Range(0, n).Select(i => (long)i * 3)];
        double[] values = [.. Enumerable.Range(0, n).Select(i => i == spikeAt ? 50.0 : Math.Sin(i / 200.0))];
        return (steps, values);
    }

    [Fact]
    public void Lttb_keeps_a_one_point_spike_and_both_ends()
    {
        (long[] steps, double[] values) = Wave(10_000, spikeAt: 4321);
        int[] picks = SequenceSampler.Lttb(steps, values, 100);

        Assert.Equal(100, picks.Length);
        Assert.Equal(0, picks[0]);
        Assert.Equal(9_999, picks[^1]);
        Assert.Contains(4321, picks);
        Assert.True(picks.Zip(picks.Skip(1)).All(p => p.First < p.Second));
    }

    [Fact]
    public void Lttb_keeps_the_extremes_of_a_smooth_curve()
    {
        (long[] steps, double[] values) = Wave(10_000);
        double[] picked = [.. SequenceSampler.Lttb(steps, values, 200).Select(i => values[i])];

        Assert.Equal(values.Max(), picked.Max(), 3);
        Assert.Equal(values.Min(), picked.Min(), 3);
    }

    [Fact]
    public void MinMax_keeps_every_bucket_extreme()
    {
        (long[] steps, double[] values) = Wave(10_000, spikeAt: 17);
        values[9_000] = -80;
        int[] picks = SequenceSampler.MinMax(values, 50);

        Assert.True(picks.Length <= 50);
        Assert.Equal(0, picks[0]);
        Assert.Equal(9_999, picks[^1]);
        Assert.Contains(17, picks);
        Assert.Contains(9_000, picks);
    }

    [Theory]
    [InlineData(5, 10, new[] { 0, 1, 2, 3, 4 })]
    [InlineData(5, 5, new[] { 0, 1, 2, 3, 4 })]
    [InlineData(5, 1, new[] { 4 })]
    [InlineData(5, 2, new[] { 0, 4 })]
    [InlineData(7, 3, new[] { 0, 3, 6 })]
    public void Uniform_spaces_points_evenly_with_both_ends(int count, int points, int[] expected) =>
        Assert.Equal(expected, SequenceSampler.Uniform(count, points));

    [Fact]
    public void NaN_is_picked_only_when_a_bucket_holds_nothing_else()
    {
        double[] values = [.. Enumerable.Range(0, 1000).Select(i => i % 2 == 0 ? double.NaN : i)];
        values[0] = 0;
        values[999] = 999;
        long[] steps = [.. Enumerable.Range(0, 1000).Select(i => (long)i)];

        Assert.All(SequenceSampler.Lttb(steps, values, 40), i => Assert.False(double.IsNaN(values[i])));
        Assert.All(SequenceSampler.MinMax(values, 40), i => Assert.False(double.IsNaN(values[i])));
        Assert.Equal(3, SequenceSampler.MinMax([1, double.NaN, double.NaN, double.NaN, 2], 4).Length);
    }

    [Fact]
    public void Every_method_returns_ordered_indexes_with_both_ends_and_at_most_the_density()
    {
        Gen<(double[] Values, int Points)> gen =
            from n in Gen.Choose(1, 400)
            from values in Gen.ArrayOf(Gen.OneOf(Gen.Choose(-1000, 1000).Select(i => (double)i), Gen.Elements(double.NaN, double.PositiveInfinity)), n)
            from points in Gen.Choose(1, 60)
            select (values, points);
        Property prop = Prop.ForAll(Arb.From(gen), c =>
        {
            long[] steps = [.. Enumerable.Range(0, c.Values.Length).Select(i => (long)i * 2)];
            foreach (int[] picks in new[] { SequenceSampler.Lttb(steps, c.Values, c.Points), SequenceSampler.MinMax(c.Values, c.Points), SequenceSampler.Uniform(c.Values.Length, c.Points) })
            {
                Assert.True(picks.Length <= c.Points);
                Assert.Equal(c.Values.Length - 1, picks[^1]);
                if (c.Points >= 2)
                {
                    Assert.Equal(0, picks[0]);
                }

                Assert.True(picks.Zip(picks.Skip(1)).All(p => p.First < p.Second), string.Join(",", picks));
            }

            if (c.Points >= 4 && c.Values.Any(v => !double.IsNaN(v)))
            {
                int[] minMax = SequenceSampler.MinMax(c.Values, c.Points);
                double max = c.Values.Where(v => !double.IsNaN(v)).Max();
                double min = c.Values.Where(v => !double.IsNaN(v)).Min();
                Assert.Contains(minMax, i => c.Values[i] == max);
                Assert.Contains(minMax, i => c.Values[i] == min);
            }
        });
        Check.One(Quick, prop);
    }

    [Fact]
    public async Task A_sampled_sequence_stream_respects_density_range_and_the_last_point()
    {
        using var repo = new StreamTestRepo();
        Run run = repo.AddRun(r =>
        {
            for (int i = 0; i < 5000; i++)
            {
                r.Track(i == 2500 ? 100.0 : Math.Sin(i / 50.0), "loss", step: i);
                r.Track(new AimObject("aim.text") { Fields = { ["text"] = "t" + i } }, "texts", step: i);
            }
        });
        var options = new StreamOptions { Density = 50, FromStep = 1000, ToStep = 4001 };

        foreach (SamplingMethod method in Enum.GetValues<SamplingMethod>())
        {
            options.Sampling = method;
            byte[] bytes = await StreamTestKit.WriteAsync(async w =>
            {
                await w.WriteSequenceAsync(run.GetSequence("loss"));
                await w.WriteSequenceAsync(run.GetSequence("texts"));
            }, options);
            List<StreamedRun> chunks = await StreamTestKit.ReadRunsAsync(bytes);

            StreamedTrace loss = Assert.Single(chunks.SelectMany(c => c.Traces), t => t.Name == "loss");
            Assert.True(loss.IsFinal);
            Assert.Equal(50, loss.Length);
            Assert.Equal(1000, loss.Steps[0]);
            Assert.Equal(4000, loss.Steps[^1]);
            if (method != SamplingMethod.Uniform)
            {
                Assert.Contains(2500, loss.Steps);
            }

            StreamedTrace texts = Assert.Single(chunks.SelectMany(c => c.Traces), t => t.Name == "texts");
            Assert.Equal(run.GetSequence("texts").Sample(50, 1000, 4001).Steps, texts.Steps);
            Assert.Equal("t4000", ((AimObject)texts.Objects![^1]!).Fields["text"]);
        }
    }

    [Fact]
    public void Sample_with_Uniform_is_the_tree_layers_sample()
    {
        using var repo = new StreamTestRepo();
        Run run = repo.AddRun(r =>
        {
            for (int i = 0; i < 1000; i++)
            {
                r.Track((long)i * i, "sq", step: i * 2);
            }
        });
        Sequence sequence = run.GetSequence("sq");

        Assert.Equal(sequence.Sample(30).Steps, SequenceSampler.Sample(sequence, 30, method: SamplingMethod.Uniform).Steps);
        SequenceData lttb = SequenceSampler.Sample(sequence, 30);
        Assert.Equal(30, lttb.Count);
        Assert.NotNull(lttb.Integers);
        Assert.Equal(0, lttb.Steps[0]);
        Assert.Equal(999L * 999, lttb.Integers[^1]);
    }

    [Fact]
    public void The_pick_four_points_at_a_time_is_the_first_largest_area_of_a_point_by_point_scan()
    {
        // SequenceSampler.Largest compares four areas at once and looks inside a block only when one beats the best:
        // it must pick what the plain scan picks, bit for bit, with NaN values, ties (repeated and constant values),
        // big steps and every length around the block size.
        var random = new Random(2020);
        int checkedSpans = 0;
        for (int c = 0; c < 20_000; c++)
        {
            int n = random.Next(0, 41);
            var steps = new long[n];
            var values = new double[n];
            long step = random.Next(3) == 0 ? (1L << 60) - (1L << 40) + random.Next(1000) : random.Next(-500, 500);
            int palette = random.Next(1, 6);
            for (int i = 0; i < n; i++)
            {
                step += 1 + random.Next(3);
                steps[i] = step;
                values[i] = random.Next(10) switch
                {
                    0 => double.NaN,
                    < 4 => random.Next(palette) * 0.25,   // few distinct values: equal areas
                    _ => random.NextDouble() * 4 - 2,
                };
            }

            double ax = random.Next(-600, 600), ay = random.NextDouble(), avgX = ax + 40 + random.Next(200), avgY = random.Next(3) - 1;
            int expected = 0;
            double best = -1;
            for (int j = 0; j < n; j++)
            {
                double area = Math.Abs(((ax - avgX) * (values[j] - ay)) - ((ax - steps[j]) * (avgY - ay)));
                if (area > best)
                {
                    (best, expected) = (area, j);
                }
            }

            int pick = SequenceSampler.Largest(steps, values, ax, ay, avgX, avgY, out double got);
            Assert.True(expected == pick, $"case {c}: picked {pick}, the scan picks {expected}");
            Assert.Equal(BitConverter.DoubleToInt64Bits(best), BitConverter.DoubleToInt64Bits(got));
            checkedSpans++;
        }

        Assert.Equal(20_000, checkedSpans);
    }
}
