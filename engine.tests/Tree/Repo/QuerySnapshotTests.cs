using AimLsm.Query;
using AimLsm.Tests.Testing;
using AimLsm.Tree;
using TreeRepo = AimLsm.Tree.Repo;

namespace AimLsm.Tests.Tree.Repo;

/// <summary>
/// The read scope of a query (issue 16): a run a query yields reads one snapshot of its slot on every thread while
/// the enumeration is on it, however a writer changes the run meanwhile; outside that scope every read sees the
/// latest state (Run's summary).
/// </summary>
public class QuerySnapshotTests
{
    private const int Before = 10;

    [Fact]
    public async Task A_run_a_query_yields_reads_one_snapshot_from_every_thread_while_a_writer_adds_points()
    {
        using var dir = new TempDirectory();
        using TreeRepo repo = TreeRepo.Open(dir.Path);
        using Run writer = repo.CreateRun(experiment: "snap");
        writer["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.1 };
        for (int i = 0; i < Before; i++)
        {
            writer.Track((double)i, "loss", i);
        }

        writer.Flush();

        using IEnumerator<Run> results = repo.QueryRuns("run.experiment == 'snap'").GetEnumerator();
        Assert.True(results.MoveNext());
        Run seen = results.Current;

        // The writer keeps adding points and changes the param while two other threads read the same Run object.
        long written = Before;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var writing = Task.Run(() =>
        {
            writer["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.2 };
            for (int i = Before; i < Before + 2_000 && !stop.IsCancellationRequested; i++)
            {
                writer.Track((double)i, "loss", i);
                Interlocked.Exchange(ref written, i + 1);
                if (i % 100 == 0)
                {
                    writer.Flush();
                }
            }

            writer.Flush();
        });

        using var start = new Barrier(2);
        Observation Read()
        {
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            var observations = new List<Observation>();
            // Reads go on until the writer is done, so most of them overlap its writes.
            while (!writing.IsCompleted && !stop.IsCancellationRequested)
            {
                observations.Add(Observe(seen));
            }

            observations.Add(Observe(seen));
            Assert.All(observations, o => Assert.Equal(observations[0], o));
            return observations[0];
        }

        Task<Observation>[] readers = [Task.Run(Read), Task.Run(Read)];
        Observation[] seenByReaders = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));
        await writing.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(stop.IsCancellationRequested, "the writer or the readers did not finish in time");

        // Both threads saw the state of when the query reached the slot: the first points, the first lr. (The test
        // resumes on any pool thread after the awaits: the enumerating thread is not special.)
        var expected = new Observation(Before, Before, 0.1, Before - 1);
        Assert.Equal(expected, seenByReaders[0]);
        Assert.Equal(expected, seenByReaders[1]);
        Assert.Equal(expected, Observe(seen));
        long total = Interlocked.Read(ref written);
        Assert.True(total > Before, "the writer wrote nothing while the readers read");

        // Once the enumeration leaves the slot, the same Run object reads the latest state.
        Assert.False(results.MoveNext());
        Assert.Equal(new Observation(total, (int)total, 0.2, total - 1), Observe(seen));
    }

    [Fact]
    public void A_run_outside_a_query_reads_the_latest_state_at_every_read()
    {
        using var dir = new TempDirectory();
        using TreeRepo repo = TreeRepo.Open(dir.Path);
        using Run writer = repo.CreateRun(experiment: "latest");
        writer["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.1 };
        writer.Track(0.0, "loss", 0);
        writer.Flush();

        Run view = repo.GetRun(writer.Hash);
        Assert.Equal(new Observation(1, 1, 0.1, 0), Observe(view));

        writer["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.2 };
        writer.Track(1.0, "loss", 1);
        writer.Flush();
        Assert.Equal(new Observation(2, 2, 0.2, 1), Observe(view));

        // A run a finished query yielded is outside its scope too.
        Run queried = repo.QueryRuns("run.experiment == 'latest'").Single();
        writer.Track(2.0, "loss", 2);
        writer.Flush();
        Assert.Equal(new Observation(3, 3, 0.2, 2), Observe(queried));
    }

    /// <summary>What one thread reads through a run: the sequence's metadata count, the records a full read returns,
    /// a param (a point lookup) and the last step read.</summary>
    private static Observation Observe(Run run)
    {
        Sequence loss = run.GetSequence("loss");
        SequenceData data = loss.Read();
        return new Observation(loss.Info.Count, data.Count, run.Tree["hparams", "lr"].Get<double>(), data.Steps[^1]);
    }

    private readonly record struct Observation(long InfoCount, int ReadCount, double Lr, long LastStep);
}
