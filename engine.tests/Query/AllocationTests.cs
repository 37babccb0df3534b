using AimLsm.Query;
using AimLsm.Encoding;

namespace AimLsm.Tests.Query;

/// <summary>The hot path: evaluating a compiled filter over a run allocates nothing of its own.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void Filtering_runs_allocates_nothing_per_run()
    {
        var runs = Enumerable.Range(0, 10_000).Select(i => new PreboxedRun(i % 2 == 0 ? 0.01 : 0.0001)).ToArray();
        RunQuery query = AimQuery.CompileRunQuery(
            "run.hparams.lr > 0.001 and run.hparams.batch_size == 32 and 1e-5 < run.hparams.lr < 1 and run.name.startswith('res')",
            QueryFixture.Options);
        Assert.Equal(5_000, query.Filter(runs).Count());

        long before = GC.GetAllocatedBytesForCurrentThread();
        int matched = query.Filter(runs).Count();
        long perRun = (GC.GetAllocatedBytesForCurrentThread() - before) / runs.Length;

        Assert.Equal(5_000, matched);
        Assert.True(perRun == 0, $"{perRun} bytes per run");
    }

    /// <summary>A run whose values are boxed once, so any allocation measured is the query's own.</summary>
    private sealed class PreboxedRun : IQueryRun
    {
        private static readonly object BatchSize = 32L;
        private readonly object _lr;

        public PreboxedRun(double lr) => _lr = lr;

        public string Hash => "h";

        public string? Name => "resnet";

        public string? Experiment => null;

        public string? Description => null;

        public IReadOnlyList<string> Tags => [];

        public bool Archived => false;

        public bool Active => false;

        public DateTime CreatedAt => DateTime.UnixEpoch;

        public DateTime? EndTime => DateTime.UnixEpoch;

        public IEnumerable<IQuerySequence> Sequences => [];

        public bool TryGetParam(ReadOnlySpan<PathSegment> path, out object? value)
        {
            value = path[^1].String == "lr" ? _lr : BatchSize;
            return true;
        }

        public IQuerySequence? GetSequence(string name, IReadOnlyDictionary<string, object?>? context) => null;
    }
}
