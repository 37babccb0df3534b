using AimLsm.Kv;
using AimLsm.Tree;
using AimLsm.Encoding;
using AimLsm.Tree.Sequences;
using AimLsm.Tree.Storage;

namespace AimLsm.Bench.Track;

/// <summary>
/// AimLsm's tree layer through its public API only: <see cref="Repo.Open"/>, <see cref="Repo.CreateRun"/>,
/// <see cref="Run.Track(object?, string, long?, long?, Context?)"/>, <see cref="Repo.Flush"/>; reads through a
/// read-only repo's <see cref="Sequence.Read"/> and <see cref="Sequence.Sample"/>. Default <see cref="RepoOptions"/>.
/// </summary>
internal sealed class AimLsmTrackEngine(TrackShape shape) : ITrackEngine
{
    private static readonly Context[] ContextObjects =
        [.. TrackShape.Contexts.Select(c => new Context { ["subset"] = c })];

    private readonly string[] _hashes = new string[shape.Runs];
    private readonly RepoOptions _options = new();
    private string _directory = "";
    private Repo? _repo;
    private Repo? _reader;
    private Sequence[,,]? _sequences;

    public string Name => "aimlsm";

    public string Settings =>
        $"AimLsm tree layer, default RepoOptions (chunk {_options.SequenceChunkSize} records, queue {_options.TrackingQueueCapacity:N0} points, " +
        $"flush interval {_options.TrackingFlushInterval.TotalMilliseconds:F0} ms, {_options.WriteBufferSize >> 20} MiB write buffer, " +
        $"{_options.BlockCacheSize >> 20} MiB block cache, {_options.BlockSize >> 10} KiB blocks); run.Track(double, name, step, epoch, context {{'subset': ...}}); " +
        "each run disposed at its end (flush + end time, synced); ingest ends with repo.Flush() (WAL synced); " +
        "reads through Repo.OpenReadOnly: Sequence.Read() (steps, epochs, timestamps, values) and Sequence.Sample(n)";

    public string Notes { get; private set; } = "";

    public void Create(string directory)
    {
        _directory = directory;
        _repo = Repo.Open(directory, _options);
    }

    public IRunWriter StartRun(int thread, int run)
    {
        Run r = _repo!.CreateRun(experiment: "track-bench", name: $"run {run}");
        _hashes[run] = r.Hash;
        return new Writer(r);
    }

    public void EndIngest() => _repo!.Flush();

    public void Close()
    {
        _repo?.Dispose();
        _repo = null;
    }

    public void OpenForReads()
    {
        _reader = Repo.OpenReadOnly(_directory, _options);
        _sequences = new Sequence[shape.Runs, TrackShape.Metrics.Length, TrackShape.Contexts.Length];
        for (int r = 0; r < shape.Runs; r++)
        {
            Run run = _reader.GetRun(_hashes[r]);
            for (int m = 0; m < TrackShape.Metrics.Length; m++)
            {
                for (int c = 0; c < ContextObjects.Length; c++)
                {
                    _sequences[r, m, c] = run.GetSequence(TrackShape.Metrics[m], ContextObjects[c]);
                }
            }
        }
    }

    public SeriesData ReadWhole(int run, int metric, int context)
    {
        SequenceData d = _sequences![run, metric, context].Read();
        return new SeriesData(d.Steps, d.Numbers!);
    }

    public SeriesData ReadSample(int run, int metric, int context, int points)
    {
        SequenceData d = _sequences![run, metric, context].Sample(points);
        return new SeriesData(d.Steps, d.Numbers!);
    }

    public void CloseReads()
    {
        _reader?.Dispose();
        _reader = null;
        _sequences = null;
    }

    /// <summary>Opens each writer slot's engine directly (public AimLsm.Kv API) and compacts it whole: CompactRange().</summary>
    public string CompactOffline()
    {
        string slots = Path.Combine(_directory, "slots");
        int n = 0;
        long[] chunkBytes = new long[TrackShape.Metrics.Length];
        long[] parts = new long[4];
        foreach (string dir in System.IO.Directory.EnumerateDirectories(slots))
        {
            using Db db = Db.Open(dir, new DbOptions { WriteBufferSize = _options.WriteBufferSize, BlockCacheSize = _options.BlockCacheSize, BlockSize = _options.BlockSize });
            db.CompactRange();
            ChunkBytes(db, chunkBytes, parts);
            n++;
        }

        Notes = "after compaction, sequence chunks (key + value bytes, before block compression) per point: " +
            string.Join(", ", TrackShape.Metrics.Select((m, i) => $"{m} {(double)chunkBytes[i] / ((long)shape.Runs * TrackShape.Contexts.Length * shape.Steps):F2}")) +
            $"; by part, all metrics: key {(double)parts[0] / shape.Points:F2}, header and steps {(double)parts[1] / shape.Points:F2}, " +
            $"epochs and timestamps {(double)parts[2] / shape.Points:F2}, values {(double)parts[3] / shape.Points:F2}";
        if (shape.Values == "full")
        {
            Notes += "; entropy floor of the values alone (random bits of the noise term): " +
                string.Join(", ", TrackShape.Metrics.Select((m, i) => $"{m} {Floor(i):F2}"));
        }

        return $"Db.CompactRange() on each of {n} slot engine(s)";
    }

    /// <summary>Adds the bytes of each metric's chunks held by <paramref name="db"/> to <paramref name="bytes"/>, and
    /// to <paramref name="parts"/> those of their keys, headers and step columns, epoch and timestamp columns, and values.</summary>
    private void ChunkBytes(Db db, long[] bytes, long[] parts)
    {
        for (int r = 0; r < shape.Runs; r++)
        {
            for (int m = 0; m < TrackShape.Metrics.Length; m++)
            {
                foreach (Context context in ContextObjects)
                {
                    byte[] prefix = RepoKeys.Sequence(_hashes[r], context.Id, TrackShape.Metrics[m]);
                    using Iterator it = db.NewIterator(new ReadOptions { LowerBound = prefix, UpperBound = TreePath.SubtreeUpperBound(prefix) });
                    for (it.Seek(prefix); it.Valid; it.Next())
                    {
                        bytes[m] += it.Key.Length + it.Value.Length;
                        var view = new ChunkView(it.Value);
                        parts[0] += it.Key.Length;
                        parts[1] += view.EpochsStart;
                        parts[2] += view.TimesEnd - view.EpochsStart;
                        parts[3] += it.Value.Length - view.TimesEnd;
                    }
                }
            }
        }
    }

    /// <summary>The mean entropy floor of metric <paramref name="metric"/>'s full-precision values, bytes a point.</summary>
    private double Floor(int metric)
    {
        double sum = 0;
        for (long step = 0; step < shape.Steps; step++)
        {
            sum += TrackShape.EntropyFloorBytes(0, metric, 0, step);
        }

        return sum / shape.Steps;
    }

    private sealed class Writer(Run run) : IRunWriter
    {
        public void Track(int metric, int context, long step, long epoch, double value) =>
            run.Track(value, TrackShape.Metrics[metric], step, epoch, ContextObjects[context]);

        public void Dispose() => run.Dispose();
    }
}
