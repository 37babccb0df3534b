using AimLsm.Encoding;
using AimLsm.Streaming;
using AimLsm.Tests.Testing;
using AimLsm.Tests.Tree.Repo;
using AimLsm.Tree;
using AimLsm.Tree.Sequences;
using AimLsm.Tree.Storage;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;
using TreeRepo = AimLsm.Tree.Repo;

namespace AimLsm.Tests.Streaming;

/// <summary>
/// LTTB and min-max read a range in windows
/// (<see cref="SequenceSampler.Sample(Sequence, int, long, long, SamplingMethod)"/>) and must give exactly what the
/// in-memory algorithms give over a full read: the same records, column by column, bit for bit. Windows are made
/// small so that they end inside buckets and buckets outgrow them (the re-reading path). CI: 100 cases from a fixed
/// seed; AIMLSM_SOAK=1: 2,000 cases from a random seed (printed on failure).
/// </summary>
[Collection(nameof(BoundedSamplingTests))]
public class BoundedSamplingTests(ITestOutputHelper output)
{
    /// <summary>How the values of a case's sequence are made: <see cref="Mix"/> tracks ints and floats in one
    /// sequence (dtype "number", chunks of encoded values).</summary>
    public enum ValueKind
    {
        Floats,
        Ints,
        Mix,
    }

    private static Config Configuration(int ci, int soak)
    {
        Config config = Config.QuickThrowOnFailure.WithMaxTest(RepoTestKit.Scale(ci, soak)).WithQuietOnSuccess(true);
        return RepoTestKit.Soak ? config : config.WithReplay(20_250_611, 3);
    }

    private static readonly Gen<SamplingQuery> QueryGen =
        from lo in Gen.Frequency((1, Gen.Constant(double.NaN)), (3, Gen.Choose(-50, 1050).Select(i => i / 1000.0)))
        from hi in Gen.Frequency((1, Gen.Constant(double.NaN)), (3, Gen.Choose(-50, 1050).Select(i => i / 1000.0)))
        from points in Gen.Frequency((1, Gen.Choose(1, 4)), (3, Gen.Choose(5, 100)), (2, Gen.Choose(101, 1000)))
        from method in Gen.Elements(SamplingMethod.Lttb, SamplingMethod.MinMax)
        from window in Gen.Frequency((1, Gen.Choose(1, 4)), (3, Gen.Choose(5, 200)), (1, Gen.Choose(201, 3000)),
            (1, Gen.Constant(SequenceSampler.DefaultWindow)))
        select new SamplingQuery(lo, hi, points, method, window);

    private static readonly Gen<SamplingCase> CaseGen =
        from seed in Gen.Choose(0, int.MaxValue)
        from length in Gen.Frequency((2, Gen.Choose(1, 300)), (3, Gen.Choose(301, 8000)), (1, Gen.Choose(8001, 50_000)))
        from chunk in Gen.Frequency((1, Gen.Choose(1, 8)), (2, Gen.Choose(9, 300)))
        from values in Gen.Elements(ValueKind.Floats, ValueKind.Ints, ValueKind.Mix)
        from backfills in Gen.Frequency((2, Gen.Constant(0)), (1, Gen.Choose(1, 200)))
        from queries in Gen.ArrayOf(QueryGen, 4)
        select new SamplingCase(seed, length, chunk, values, backfills, queries);

    [Fact]
    public void Windowed_sampling_gives_exactly_what_a_full_read_gives()
    {
        int cases = 0, queries = 0, sampled = 0, reread = 0;
        long points = 0;
        Property property = Prop.ForAll(Arb.From(CaseGen), c =>
        {
            using var repo = new StreamTestRepo(new RepoOptions { SequenceChunkSize = c.ChunkSize });
            long[] steps = Fill(repo, c, out Run run);
            Sequence sequence = run.GetSequence("m");
            cases++;
            points += steps.Length;
            foreach (SamplingQuery q in c.Queries)
            {
                (long from, long to) = q.Range(steps);
                string what = $"{q.Method} p={q.Points} window={q.Window} [{from}, {to}) of {steps.Length}";
                SequenceData full = sequence.Read(from, to);
                Assert.Equal(full.Count, sequence.CountRange(from, to));
                SequenceData expected = SequenceSampler.Downsample(full, q.Points, q.Method);
                AssertSame(expected, SequenceSampler.Sample(sequence, q.Points, from, to, q.Method, q.Window), what);
                queries++;
                sampled += full.Count > q.Points ? 1 : 0;
                // LTTB re-reads when its largest bucket outgrows the window (WindowedLttb).
                bool lttb = q.Method == SamplingMethod.Lttb && q.Points > 2 && full.Count > q.Points;
                reread += lttb && (full.Count - 2 + q.Points - 3) / (q.Points - 2) > q.Window ? 1 : 0;
            }
        });
        Check.One(Configuration(100, 2000), property);
        output.WriteLine($"{cases} cases (with shrinking), {points} points tracked, {queries} samples compared: " +
            $"{sampled} of ranges longer than the density, {reread} of them by LTTB re-reading buckets larger than the window");
    }

    [Theory]
    [InlineData(SamplingMethod.Lttb, 3, 7)]
    [InlineData(SamplingMethod.Lttb, 40, 3)]
    [InlineData(SamplingMethod.Lttb, 40, 1)]
    [InlineData(SamplingMethod.Lttb, 400, 2)]
    [InlineData(SamplingMethod.MinMax, 3, 1)]
    [InlineData(SamplingMethod.MinMax, 41, 5)]
    [InlineData(SamplingMethod.MinMax, 2, 5)]
    [InlineData(SamplingMethod.Lttb, 1, 5)]
    public void Buckets_larger_than_the_window_are_read_again_and_give_the_same_picks(SamplingMethod method, int points, int window)
    {
        // 1,000 points in chunks of 7, steps from -300 by 3 (negative chunks sort after the others in key order), a
        // spike and a NaN run: buckets larger than the window (of 2 or 3 records against 2 at 400 points).
        using var repo = new StreamTestRepo(new RepoOptions { SequenceChunkSize = 7 });
        Run run = repo.AddRun(r =>
        {
            for (int i = 0; i < 1000; i++)
            {
                double v = i == 613 ? 90 : i is > 300 and < 340 ? double.NaN : Math.Sin(i / 37.0);
                r.Track(v, "m", step: -300 + (3L * i), epoch: i % 3 == 0 ? i / 10 : null);
            }
        });
        Sequence sequence = run.GetSequence("m");

        SequenceData expected = SequenceSampler.Downsample(sequence.Read(), points, method);
        AssertSame(expected, SequenceSampler.Sample(sequence, points, long.MinValue, long.MaxValue, method, window), "whole");
        expected = SequenceSampler.Downsample(sequence.Read(-100, 2000), points, method);
        AssertSame(expected, SequenceSampler.Sample(sequence, points, -100, 2000, method, window), "from -100");
        if (method == SamplingMethod.Lttb && points >= 40)
        {
            Assert.Contains(-300 + (3L * 613), expected.Steps);
        }
    }

    [Theory]
    [InlineData(SamplingMethod.Lttb, -37)]
    [InlineData(SamplingMethod.Lttb, 1)]
    [InlineData(SamplingMethod.Lttb, 50)]
    [InlineData(SamplingMethod.MinMax, -1)]
    [InlineData(SamplingMethod.MinMax, 29)]
    [InlineData(SamplingMethod.Lttb, -800)]
    public void A_metadata_count_that_disagrees_with_the_chunks_is_caught_and_the_sample_taken_again(SamplingMethod method, long error)
    {
        // A whole-sequence sample takes the metadata's count instead of counting the chunks (it can lag them by a
        // commit): here it is made wrong on purpose, above and below, and the sample must still be the full read's.
        using var one = new OneRun(new RepoOptions { SequenceChunkSize = 16 });
        Run run = one.Run;
        for (int i = 0; i < 1000; i++)
        {
            run.Track(i == 400 ? 50 : Math.Sin(i / 23.0), "m", step: 2L * i);
        }

        run.Flush();
        byte[] count = RepoKeys.Concat(RepoKeys.Trace(run.Hash, Context.Empty.Id, "m"), TreePath.Encode(["count"]));
        var encoded = new System.Buffers.ArrayBufferWriter<byte>();
        AimValueWriter.WriteInt(encoded, 1000 + error);
        using (var lease = run.Lease())
        {
            lease.Db.Put(count, encoded.WrittenSpan);
        }

        Sequence sequence = run.GetSequence("m");
        Assert.Equal(1000 + error, sequence.Info.Count);
        SequenceData full = sequence.Read();
        Assert.Equal(1000, full.Count);
        foreach (int points in new[] { 1, 2, 50, 999, 1000, 1001 })
        {
            foreach (int window in new[] { 3, SequenceSampler.DefaultWindow })
            {
                AssertSame(SequenceSampler.Downsample(full, points, method),
                    SequenceSampler.Sample(sequence, points, long.MinValue, long.MaxValue, method, window), $"{points} points, window {window}");
            }
        }
    }

    [Fact]
    public void Integers_are_returned_only_when_every_record_of_the_range_is_an_int()
    {
        // A float among ints makes the full read's Integers null, even when the sample does not pick it (or skips
        // over it: points 1 and 2, min-max at 3); a range that leaves it out gets Integers back. Chunks of one record
        // put the float alone in a chunk of floats, chunks of 16 in a chunk of encoded values.
        foreach (int chunk in new[] { 1, 16 })
        {
            using var repo = new StreamTestRepo(new RepoOptions { SequenceChunkSize = chunk });
            Run run = repo.AddRun(r =>
            {
                for (int i = 0; i < 2000; i++)
                {
                    r.Track(i == 1500 ? (object)0.5 : (i * 7919L % 1000) + (1L << 60), "m", step: i);
                }
            });
            Sequence sequence = run.GetSequence("m");
            foreach (SamplingMethod method in new[] { SamplingMethod.Lttb, SamplingMethod.MinMax })
            {
                foreach (int points in new[] { 1, 2, 3, 50 })
                {
                    string what = $"{method} p={points} chunk={chunk}";
                    SequenceData mixed = SequenceSampler.Sample(sequence, points, method: method);
                    Assert.Null(mixed.Integers);
                    AssertSame(SequenceSampler.Downsample(sequence.Read(), points, method), mixed, what);

                    SequenceData ints = SequenceSampler.Sample(sequence, points, 0, 1500, method, window: 10);
                    Assert.NotNull(ints.Integers);
                    AssertSame(SequenceSampler.Downsample(sequence.Read(0, 1500), points, method), ints, what + " ints");
                }
            }
        }
    }

    [Fact]
    public void Empty_ranges_and_non_numeric_sequences()
    {
        using var repo = new StreamTestRepo();
        Run run = repo.AddRun(r =>
        {
            for (int i = 0; i < 300; i++)
            {
                r.Track((double)i, "m", step: i * 2);
                r.Track("t" + i, "texts", step: i);
            }
        });
        Sequence numbers = run.GetSequence("m");
        foreach (SamplingMethod method in new[] { SamplingMethod.Lttb, SamplingMethod.MinMax })
        {
            foreach ((long from, long to) in new[] { (7L, 7L), (9L, 3L), (1000L, 2000L), (-50L, 0L), (3L, 4L) })
            {
                AssertSame(SequenceSampler.Downsample(numbers.Read(from, to), 10, method), SequenceSampler.Sample(numbers, 10, from, to, method, 4), $"[{from}, {to})");
            }

            Sequence texts = run.GetSequence("texts");
            Assert.Equal(texts.Sample(10, 5, 200).Steps, SequenceSampler.Sample(texts, 10, 5, 200, method).Steps);
        }
    }

    [Fact]
    public async Task A_sample_taken_while_a_writer_tracks_is_a_valid_sample_of_one_moment()
    {
        using var dir = new TempDirectory();
        using var repo = TreeRepo.Open(dir.Path, new RepoOptions { SequenceChunkSize = 32, TrackingFlushInterval = TimeSpan.FromMilliseconds(1) });
        using Run writer = repo.CreateRun();
        using var stop = new CancellationTokenSource();
        Task tracking = Task.Run(async () =>
        {
            // Forward steps, and below the start now and then (a chunk re-keyed under the reader), in bursts so that
            // the reader samples between commits for a while.
            for (int i = 0; i < 100_000 && !stop.IsCancellationRequested; i++)
            {
                writer.Track(Value(i), "m", step: i);
                if (i % 997 == 0)
                {
                    writer.Track(Value(-i - 1), "m", step: -i - 1);
                }

                if (i % 2000 == 0)
                {
                    await Task.Delay(2);
                }
            }
        });

        long lastSeen = long.MinValue;
        int samples = 0, during = 0;
        try
        {
            while (!tracking.IsCompleted || samples < 20)
            {
                Run view = repo.GetRun(writer.Hash);
                if (!view.Sequences.Any(s => s.Name == "m"))
                {
                    continue;
                }

                Sequence sequence = view.GetSequence("m");
                SamplingMethod method = samples % 2 == 0 ? SamplingMethod.Lttb : SamplingMethod.MinMax;
                SequenceData sample = SequenceSampler.Sample(sequence, 50, long.MinValue, long.MaxValue, method, window: 1 + (samples % 9));
                Assert.InRange(sample.Count, 0, 50);
                for (int i = 0; i < sample.Count; i++)
                {
                    Assert.Equal(Value(sample.Steps[i]), sample.Numbers![i]);
                    Assert.True(i == 0 || sample.Steps[i - 1] < sample.Steps[i], "steps not increasing");
                }

                if (sample.Count > 0)
                {
                    // The last point is the last record of the reader's snapshot: never behind an earlier sample's.
                    Assert.True(sample.Steps[^1] >= lastSeen, $"last step {sample.Steps[^1]} after {lastSeen}");
                    lastSeen = sample.Steps[^1];
                }

                samples++;
                during += tracking.IsCompleted ? 0 : 1;
            }
        }
        finally
        {
            stop.Cancel();
            await tracking;
        }

        output.WriteLine($"{samples} samples, {during} of them while the writer tracked");
    }

    [Fact]
    public void Sampling_two_million_points_allocates_a_fraction_of_a_full_read()
    {
        const int N = 2_000_000;
        // A block cache that holds the data, so that what is measured is the sampler and not blocks loaded again.
        using var repo = new StreamTestRepo(new RepoOptions { BlockCacheSize = 256L << 20 });
        Run run = repo.AddRun(r =>
        {
            for (int i = 0; i < N; i++)
            {
                r.Track(Math.Sin(i / 1000.0) + (i % 7919 == 0 ? 5 : 0), "loss", step: i);
            }
        });
        Sequence sequence = run.GetSequence("loss");
        const long FullRead = N * 40L; // steps, epochs (16 bytes), timestamps, values: the least a full read takes

        foreach (SamplingMethod method in new[] { SamplingMethod.Lttb, SamplingMethod.MinMax })
        {
            SequenceSampler.Sample(sequence, 500, method: method); // loads the blocks and compiles the code
            // The least of three: a compaction that ends between two samples makes the next one load new blocks into
            // the cache (the engine's allocation, as for any read), which is not what this test measures.
            long allocated = long.MaxValue;
            SequenceData sample = null!;
            for (int i = 0; i < 3; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                sample = SequenceSampler.Sample(sequence, 500, method: method);
                allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
            }

            output.WriteLine($"{method}: {sample.Count} of {N} points, {allocated:N0} bytes allocated (a full read: at least {FullRead:N0})");
            Assert.Equal(500, sample.Count);
            Assert.Equal(0, sample.Steps[0]);
            Assert.Equal(N - 1, sample.Steps[^1]);
            Assert.True(allocated < FullRead / 4, $"{method} allocated {allocated:N0} bytes");
        }
    }

    private static double Value(long step) => Math.Round(Math.Sin(step / 300.0), 3);

    /// <summary>Tracks the case's sequence "m" (ascending, then the backfills in random order) and returns its steps.</summary>
    private static long[] Fill(StreamTestRepo repo, SamplingCase c, out Run run)
    {
        var rng = new Random(c.Seed);
        long[] steps = Steps(rng, c.Length);
        var backfill = new HashSet<int>();
        while (backfill.Count < Math.Min(c.Backfills, steps.Length))
        {
            backfill.Add(rng.Next(steps.Length));
        }

        double floatShare = c.Values switch
        {
            ValueKind.Floats => 1,
            ValueKind.Ints => 0,
            _ => rng.Next(3) switch { 0 => 0.001, 1 => 0.5, _ => 0.99 },
        };
        int epochs = rng.Next(3);
        run = repo.AddRun(r =>
        {
            var late = new List<int>(backfill);
            for (int i = 0; i < steps.Length; i++)
            {
                if (!backfill.Contains(i))
                {
                    Track(r, rng, steps[i], floatShare, epochs);
                }
            }

            foreach (int i in late.OrderBy(_ => rng.Next()))
            {
                Track(r, rng, steps[i], floatShare, epochs);
            }
        });
        return steps;
    }

    /// <summary>Increasing steps from a start that may be negative (chunks of negative steps sort after the others),
    /// mostly consecutive, with small and huge gaps.</summary>
    private static long[] Steps(Random rng, int n)
    {
        long step = rng.Next(4) switch
        {
            0 => 0,
            1 => -rng.NextInt64(1, 3L * n + 2),
            2 => rng.NextInt64(-(1L << 62), -(1L << 61)),
            _ => rng.NextInt64(1, 1L << 40),
        };
        var steps = new long[n];
        for (int i = 0; i < n; i++)
        {
            steps[i] = step;
            step += rng.Next(100) switch
            {
                < 70 => 1,
                < 90 => rng.Next(2, 11),
                < 99 => rng.Next(11, 1_000_000),
                _ => 1L << 40,
            };
        }

        return steps;
    }

    private static void Track(Run run, Random rng, long step, double floatShare, int epochs)
    {
        long? epoch = epochs switch
        {
            0 => null,
            1 => step / 100,
            _ => rng.Next(2) == 0 ? null : (long?)rng.Next(1000),
        };
        if (rng.NextDouble() < floatShare)
        {
            // Coarse values: ties in values and areas, where the first of equals must win in both algorithms.
            double v = rng.Next(100) switch
            {
                < 3 => double.NaN,
                3 => double.PositiveInfinity,
                4 => double.NegativeInfinity,
                5 => -0.0,
                < 15 => rng.NextDouble() * 1e300,
                _ => Math.Round(Math.Sin(step / 500.0) * 10, 1) + rng.Next(3),
            };
            run.Track(v, "m", step, epoch);
        }
        else
        {
            // Ints beyond 2^53, where the double column rounds and only Integers is exact.
            long v = rng.Next(10) == 0 ? rng.NextInt64(long.MinValue / 2, long.MaxValue / 2) : rng.Next(-20, 20);
            run.Track(v, "m", step, epoch);
        }
    }

    private static void AssertSame(SequenceData expected, SequenceData actual, string what)
    {
        Assert.True(expected.Steps.AsSpan().SequenceEqual(actual.Steps), $"{what}: steps {Diff(expected.Steps, actual.Steps)}");
        Assert.True(expected.Epochs.AsSpan().SequenceEqual(actual.Epochs), $"{what}: epochs");
        Assert.True(Bits(expected.Timestamps).SequenceEqual(Bits(actual.Timestamps)), $"{what}: timestamps");
        Assert.True(Bits(expected.Numbers!).SequenceEqual(Bits(actual.Numbers!)), $"{what}: numbers");
        Assert.Equal(expected.Integers is null, actual.Integers is null);
        if (expected.Integers is not null)
        {
            Assert.True(expected.Integers.AsSpan().SequenceEqual(actual.Integers), $"{what}: integers");
        }

        Assert.Null(actual.Objects);
    }

    private static long[] Bits(double[] values) => [.. values.Select(BitConverter.DoubleToInt64Bits)];

    private static string Diff(long[] expected, long[] actual)
    {
        int i = 0;
        while (i < expected.Length && i < actual.Length && expected[i] == actual[i])
        {
            i++;
        }

        return $"{expected.Length} expected, {actual.Length} sampled, first difference at {i}: " +
            $"{(i < expected.Length ? expected[i] : "none")} expected, {(i < actual.Length ? actual[i] : "none")} sampled";
    }

    /// <summary>A sequence to track: its values are expanded from <see cref="Seed"/>.</summary>
    public sealed record SamplingCase(int Seed, int Length, int ChunkSize, ValueKind Values, int Backfills, SamplingQuery[] Queries)
    {
        public override string ToString() =>
            $"seed={Seed} length={Length} chunk={ChunkSize} values={Values} backfills={Backfills} queries=[{string.Join("; ", Queries.AsEnumerable())}]";
    }

    /// <summary>A sample to compare: <see cref="From"/> and <see cref="To"/> are fractions of the step positions
    /// (NaN: unbounded), so that ranges land inside, between and outside the steps.</summary>
    public sealed record SamplingQuery(double From, double To, int Points, SamplingMethod Method, int Window)
    {
        public (long From, long To) Range(long[] steps) => (Bound(From, steps, long.MinValue), Bound(To, steps, long.MaxValue));

        private static long Bound(double fraction, long[] steps, long unbounded)
        {
            if (double.IsNaN(fraction) || steps.Length == 0)
            {
                return unbounded;
            }

            // Fractions outside [0, 1] reach past the ends; odd positions fall between two steps.
            double at = fraction * steps.Length;
            int i = (int)Math.Clamp(Math.Floor(at), 0, steps.Length - 1);
            long offset = at < 0 ? -5 : at >= steps.Length ? 5 : (int)(at * 2) % 2;
            return steps[i] + offset;
        }
    }
}

/// <summary>Runs the sampling tests alone: they track millions of points, and beside them the timing-sensitive server
/// tests (a disconnect noticed within a deadline) would share two busy cores.</summary>
[CollectionDefinition(nameof(BoundedSamplingTests), DisableParallelization = true)]
public sealed class BoundedSamplingCollection;
