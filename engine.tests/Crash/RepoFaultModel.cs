using System.Globalization;
using AimLsm.Kv.IO;
using AimLsm.Tree;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Sdk;

namespace AimLsm.Tests.Crash;

/// <summary>
/// The oracle of the repo-layer fault tests: what the repo acknowledged, run by run, and what it may hold after a
/// power loss or an injected error. Each run tracks one sequence <c>loss</c> at steps 0, 1, 2, ... with
/// <see cref="ValueOf"/> as its value, so a recovered point is checked bit for bit and a hole shows.
/// </summary>
/// <remarks>
/// Acknowledged: the points a successful <see cref="Run.Flush"/> (of that run), <see cref="Repo.Flush"/> or
/// <see cref="Run.Dispose"/> covered; a run's existence once one of those succeeded after its creation with a point of
/// it tracked (the WAL is synced in order, and its props were written before its first point) or its Dispose
/// succeeded; a deletion once <see cref="Repo.DeleteRun"/> returned. After a reopen each run must hold a prefix of what
/// was tracked, no shorter than what was acknowledged, with exact values; a deleted run is gone; a run the model does
/// not know may appear only as one whose CreateRun failed (its props may have reached the log), empty.
/// </remarks>
/// <param name="strictDeletes">False to tolerate (and count in <see cref="UndoneDeletes"/>) a run whose DeleteRun
/// threw, that was gone at the next reopen, coming back later, whole or in part (the engine once lost such range
/// tombstones; the strict variant of the error-injection test refuses it).</param>
internal sealed class RepoFaultModel(bool strictDeletes = true)
{
    public const string Sequence = "loss";

    private readonly Dictionary<string, RunModel> _runs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failedCreates = new(StringComparer.Ordinal);

    /// <summary>Runs that were gone at a reopen, with what the model knew of them then, for the report of one that comes back.</summary>
    private readonly Dictionary<string, (string Was, RunModel Model)> _gone = new(StringComparer.Ordinal);
    private int _nextIndex;

    /// <summary>The repo's folder on the file system under test.</summary>
    public const string Path = "/aimlsm-fault-repo"; // right under the root, which a MemFileSystem always has

    /// <summary>The value tracked at <paramref name="step"/> of run number <paramref name="index"/>: exact in a double.</summary>
    public static double ValueOf(int index, long step) => index * 1_000_000.0 + step + 0.25;

    public int RunCount => _runs.Count;

    /// <summary>Failed deletions undone after a later reopen (tolerated only without strict deletes).</summary>
    public int UndoneDeletes { get; private set; }

    /// <summary>Options for a repo on <paramref name="fs"/>, small buffers so that memtable flushes, chunk rewrites
    /// and compactions happen within a few hundred points.</summary>
    public static RepoOptions Options(IFileSystem fs, Random rng) => new()
    {
        FileSystem = fs,
        TrackingFlushInterval = TimeSpan.FromMilliseconds(rng.Next(0, 20)),
        TrackingQueueCapacity = 1 << rng.Next(4, 12),
        SequenceChunkSize = rng.Next(2, 64),
        WriteBufferSize = rng.Next(4, 64) * 1024,
        BlockSize = 1024,
        BlockCacheSize = rng.Next(2) == 0 ? 0 : 1 << 20,
        Logger = NullLogger.Instance, // findings are asserted through RecoveryReport, not read from the log
    };

    /// <summary>Names the next run to create; <see cref="Created"/> or <see cref="CreateFailed"/> follows.</summary>
    public string NextName() => "r" + _nextIndex.ToString(CultureInfo.InvariantCulture);

    public RunModel Created(Run run)
    {
        var model = new RunModel(run.Hash, run.Name!, _nextIndex++) { Open = run };
        _runs.Add(run.Hash, model);
        return model;
    }

    public void CreateFailed(string name)
    {
        _failedCreates.Add(name);
        _nextIndex++;
    }

    public IEnumerable<RunModel> Runs => _runs.Values;

    /// <summary>Every open run's tracked points are acknowledged (a successful <see cref="Repo.Flush"/> started after they were tracked).</summary>
    public void RepoFlushed(IReadOnlyDictionary<string, long> trackedBefore)
    {
        foreach ((string hash, long tracked) in trackedBefore)
        {
            _runs[hash].Acknowledge(tracked);
        }
    }

    /// <summary>What each open run had tracked, to acknowledge once a flush started now succeeds.</summary>
    public Dictionary<string, long> SnapshotOpen() =>
        _runs.Values.Where(r => r.Open is not null).ToDictionary(r => r.Hash, r => r.Tracked, StringComparer.Ordinal);

    public void Deleted(string hash) => _runs[hash].Deleted = true;

    /// <summary>
    /// Checks the repo reopened after the fault against the model, then takes what it holds as the new durable state
    /// (it is on the file system now, and the next fault-injecting wrapper counts it as synced).
    /// </summary>
    public void VerifyAndAdopt(Repo repo, string context)
    {
        string Fail(string what) => $"{what} ({context})";
        if (repo.RecoveryReport.HasQuarantine)
        {
            throw new XunitException(Fail($"a slot was quarantined: damage in acknowledged bytes: {repo.RecoveryReport}"));
        }

        var present = repo.Runs.ToDictionary(r => r.Hash, StringComparer.Ordinal);
        foreach (RunModel model in _runs.Values.ToList())
        {
            if (!present.Remove(model.Hash, out Run? run))
            {
                if (model.Deleted || model.DeleteTried)
                {
                    _runs.Remove(model.Hash);
                    _gone[model.Hash] = ($"{model}, {(model.Deleted ? "deleted" : "a DeleteRun threw")}, gone at the reopen after that", model);
                    continue;
                }

                if (model.Durable || model.Acked > 0)
                {
                    throw new XunitException(Fail($"run {model} is missing after the reopen; it was acknowledged"));
                }

                _runs.Remove(model.Hash); // its creation was never made durable: losing it is allowed
                _gone[model.Hash] = ($"{model}, never acknowledged, lost at a reopen", model);
                continue;
            }

            if (model.Deleted)
            {
                throw new XunitException(Fail($"run {model} is back after the reopen; its DeleteRun had returned"));
            }

            if (model.Undone)
            {
                continue; // what came back of it is not checked; it may only be deleted again
            }

            if (run.Name != model.Name)
            {
                throw new XunitException(Fail($"run {model} came back named '{run.Name}'"));
            }

            long count = CheckPoints(run, model.Index, Fail);
            if (count < model.Acked || count > model.Tracked)
            {
                throw new XunitException(Fail($"run {model} holds {count} points; acknowledged {model.Acked}, tracked {model.Tracked}"));
            }

            model.Tracked = model.Acked = count;
            model.Durable = true;
            model.DeleteTried = false;
            model.Open = null;
        }

        foreach (Run stranger in present.Values)
        {
            if (!strictDeletes && _gone.TryGetValue(stranger.Hash, out var gone) && gone.Model is { Deleted: false, DeleteTried: true } failedDelete)
            {
                UndoneDeletes++;
                _runs.Add(stranger.Hash, new RunModel(stranger.Hash, failedDelete.Name, failedDelete.Index) { Durable = true, DeleteTried = true, Undone = true });
                continue;
            }

            // Only a run whose CreateRun threw may appear unannounced (its props reached the log before the failure).
            if (stranger.Name is not { } name || !_failedCreates.Contains(name) || stranger.Sequences.Any())
            {
                string history = _gone.TryGetValue(stranger.Hash, out var known) ? $"it was {known.Was}" : "the model never saw it";
                throw new XunitException(Fail($"run {stranger.Hash} named '{stranger.Name}' with {stranger.Sequences.Count()} sequences appeared; " +
                    $"no acknowledged or attempted CreateRun made it ({history})"));
            }

            int index = int.Parse(name.AsSpan(1), CultureInfo.InvariantCulture);
            _runs.Add(stranger.Hash, new RunModel(stranger.Hash, name, index) { Durable = true });
        }

        _failedCreates.Clear();
    }

    /// <summary>Reads run <paramref name="index"/>'s points: steps 0..n-1 with their exact values, or it fails.</summary>
    private static long CheckPoints(Run run, int index, Func<string, string> fail)
    {
        if (!run.Sequences.Any(s => s.Name == Sequence))
        {
            return 0;
        }

        SequenceData data = run.GetSequence(Sequence).Read();
        for (int i = 0; i < data.Count; i++)
        {
            if (data.Steps[i] != i || data.Numbers is null || data.Numbers[i] != ValueOf(index, i))
            {
                object? value = data.GetValue(i);
                throw new XunitException(fail($"run {run.Hash} (r{index}) point {i} of {data.Count} is step {data.Steps[i]} = {value}; expected step {i} = {ValueOf(index, i)}"));
            }
        }

        return data.Count;
    }

    /// <summary>One run as the oracle sees it. <see cref="Open"/> is the writable handle of the current repo, if any.</summary>
    internal sealed class RunModel(string hash, string name, int index)
    {
        public string Hash { get; } = hash;

        public string Name { get; } = name;

        public int Index { get; } = index;

        /// <summary>Points tracked (Track returned); the next step to track.</summary>
        public long Tracked { get; set; }

        /// <summary>Points a successful flush covered.</summary>
        public long Acked { get; set; }

        /// <summary>The run itself survives a power loss.</summary>
        public bool Durable { get; set; }

        public bool Deleted { get; set; }

        /// <summary>A DeleteRun was called and threw: the run may be there (whole) or gone.</summary>
        public bool DeleteTried { get; set; }

        public Run? Open { get; set; }

        /// <summary>A failed deletion of it was undone after a later reopen (tolerated without strict deletes): its
        /// contents are not checked and it is not resumed, only deleted again.</summary>
        public bool Undone { get; init; }

        /// <summary>A flush that started after <paramref name="tracked"/> points were tracked succeeded.</summary>
        public void Acknowledge(long tracked)
        {
            Acked = Math.Max(Acked, tracked);
            Durable |= tracked > 0;
        }

        public override string ToString() => $"{Hash} ({Name}, tracked {Tracked}, acknowledged {Acked}{(Durable ? ", durable" : "")}{(DeleteTried ? ", delete tried" : "")})";
    }
}
