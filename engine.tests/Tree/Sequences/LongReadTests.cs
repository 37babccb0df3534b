using AimLsm.Tests.Testing;
using AimLsm.Tree;

namespace AimLsm.Tests.Tree.Sequences;

/// <summary>
/// Reads of many records (issue 20, point 5): a read of every record of a range keeps the epoch and timestamp
/// columns as stored and decodes them at their first use (<see cref="SequenceData.Epochs"/>,
/// <see cref="SequenceData.Timestamps"/>); a window sizes its columns from its step span, or counts its records first
/// when the span is wide. What comes back must be what an eager decode gives, from any thread.
/// </summary>
public class LongReadTests
{
    private const int Points = 1_000;

    [Fact]
    public void Deferred_epochs_and_timestamps_equal_an_eager_decode_of_the_same_records()
    {
        using var dir = new TempDirectory();
        string hash = Tracked(dir, out double before, out double after);
        using var reader = AimLsm.Tree.Repo.OpenReadOnly(dir.Path);
        Sequence m = reader.GetRun(hash).GetSequence("loss");
        foreach ((long from, long to) in new[] { (long.MinValue, long.MaxValue), (123L, 877L), (0L, 1L), (999L, 5_000L) })
        {
            SequenceData d = m.Read(from, to);
            long first = Math.Max(0, from), end = Math.Min(Points, to);
            Assert.Equal(end - first, d.Count);
            // Eager: the windowed samplers' range read decodes epochs and timestamps straight into its spans.
            var steps = new long[d.Count];
            var numbers = new double[d.Count];
            var epochs = new long?[d.Count];
            var times = new double[d.Count];
            using (var range = m.OpenRange(from, to))
            {
                Assert.Equal(d.Count, range.Read(steps, numbers, epochs, times, default));
            }

            Assert.Equal(steps, d.Steps);
            Assert.Equal(epochs, d.Epochs);
            Assert.Equal(times, d.Timestamps);
            for (int i = 0; i < d.Count; i++)
            {
                long step = first + i;
                Assert.Equal(Epoch(step), d.Epochs[i]);
                Assert.InRange(d.Timestamps[i], before, after);
            }
        }
    }

    [Fact]
    public void Threads_that_first_use_the_deferred_columns_at_once_all_get_the_same_arrays()
    {
        using var dir = new TempDirectory();
        string hash = Tracked(dir, out _, out _);
        using var reader = AimLsm.Tree.Repo.OpenReadOnly(dir.Path);
        Sequence m = reader.GetRun(hash).GetSequence("loss");
        for (int round = 0; round < 20; round++)
        {
            SequenceData d = m.Read();
            using var go = new Barrier(4);
            var seen = new (long?[] Epochs, double[] Times)[4];
            var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                go.SignalAndWait(TimeSpan.FromSeconds(10));
                // Half start with the timestamps, half with the epochs: either decodes both.
                double[] times = t % 2 == 0 ? d.Timestamps : null!;
                long?[] epochs = d.Epochs;
                seen[t] = (epochs, times ?? d.Timestamps);
            })).ToArray();
            foreach (Thread thread in threads)
            {
                thread.Start();
            }

            foreach (Thread thread in threads)
            {
                Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "a reader thread did not finish");
            }

            Assert.All(seen, s => Assert.Same(seen[0].Epochs, s.Epochs));
            Assert.All(seen, s => Assert.Same(seen[0].Times, s.Times));
            Assert.Equal(Enumerable.Range(0, Points).Select(s => Epoch(s)), seen[0].Epochs);
        }
    }

    [Fact]
    public void A_window_of_a_sparse_sequence_holds_exactly_its_records_whether_sized_by_its_span_or_counted()
    {
        using var dir = new TempDirectory();
        string hash;
        using (var repo = AimLsm.Tree.Repo.Open(dir.Path, new RepoOptions { SequenceChunkSize = 16 }))
        using (Run run = repo.CreateRun())
        {
            hash = run.Hash;
            Sequence s = run.GetSequence("sparse");
            for (long i = 0; i < 300; i++)
            {
                s.Track((double)i, i * 1_000, i);
            }
        }

        using var reader = AimLsm.Tree.Repo.OpenReadOnly(dir.Path);
        Sequence m = reader.GetRun(hash).GetSequence("sparse");
        // Spans below 64K records are sized by the span (over-estimated: one record in 1,000 steps), wider ones are
        // counted from the chunk headers first; empty and reversed windows hold nothing.
        foreach ((long from, long to) in new[] { (1_000L, 3_001L), (5_500L, 205_000L), (-10L, 10_000_000L), (7_000L, 7_000L), (9_000L, 2_000L) })
        {
            SequenceData d = m.Read(from, to);
            long[] expected = Enumerable.Range(0, 300).Select(i => i * 1_000L).Where(step => step >= from && step < to).ToArray();
            Assert.Equal(expected, d.Steps);
            Assert.Equal(expected.Select(step => step / 1_000.0), d.Numbers!);
            Assert.Equal(expected.Select(step => (long?)(step / 1_000)), d.Epochs);
            Assert.Equal(expected.Length, d.Timestamps.Length);
        }
    }

    /// <summary>Every 7th step has no epoch, so chunks hold a presence bitmap.</summary>
    private static long? Epoch(long step) => step % 7 == 0 ? null : step / 10;

    /// <summary>Tracks "loss", <see cref="Points"/> points in chunks of 16 records, and returns its run's hash;
    /// <paramref name="before"/> and <paramref name="after"/> bound the points' timestamps.</summary>
    private static string Tracked(TempDirectory dir, out double before, out double after)
    {
        string hash;
        before = Math.Floor(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1e3) - 1;
        using (var repo = AimLsm.Tree.Repo.Open(dir.Path, new RepoOptions { SequenceChunkSize = 16 }))
        using (Run run = repo.CreateRun())
        {
            hash = run.Hash;
            Sequence s = run.GetSequence("loss");
            for (long step = 0; step < Points; step++)
            {
                s.Track(step / 3.0, step, Epoch(step));
            }
        }

        after = Math.Ceiling(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1e3) + 1;
        return hash;
    }
}
