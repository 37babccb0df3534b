using AimLsm.Query;
using AimLsm.Remote;
using AimLsm.Server;
using AimLsm.Tests.Testing;
using AimLsm.Tree;

namespace AimLsm.Tests.Remote;

/// <summary>
/// A repo written locally and served by the real aim-server on a free loopback port, read through two back ends
/// typed as <see cref="IRepo"/>: the local <see cref="Repo"/> itself and a <see cref="RemoteReader"/> over HTTP. Runs:
/// two of experiment "sweep" (float and int metrics in two contexts, one 25,000 points long, so that the points
/// stream sends it in three chunks), one of "baseline" (a two-key context, NaNs in a metric, a str sequence, an
/// int-keyed dict, a 61-bit int, bytes), one archived, and one still open (active, no end time).
/// </summary>
public sealed class RemoteReadFixture : IAsyncLifetime
{
    /// <summary>Points of the long train loss of <see cref="Adam"/>.</summary>
    public const int LongSteps = 25_000;

    public static readonly Context Train = new() { ["subset"] = "train" };

    public static readonly Context Val = new() { ["subset"] = "val" };

    /// <summary>A context of two entries, one an int.</summary>
    public static readonly Context Fold = new() { ["subset"] = "train", ["fold"] = 2L };

    private readonly TempDirectory _dir = new();
    private Run? _open;

    public Repo Repo { get; private set; } = null!;

    public AimServer Server { get; private set; } = null!;

    internal RemoteReader Reader { get; private set; } = null!;

    public string Adam { get; private set; } = string.Empty;

    public string Sgd { get; private set; } = string.Empty;

    public string Baseline { get; private set; } = string.Empty;

    public string Archived { get; private set; } = string.Empty;

    public string Open { get; private set; } = string.Empty;

    /// <summary>The back ends the theories run over.</summary>
    public static TheoryData<string> Backends => ["local", "remote"];

    /// <summary>The back end named <paramref name="name"/>, typed as the code under test sees it.</summary>
    public IRepo Backend(string name) => name switch
    {
        "local" => Repo,
        "remote" => new ReaderRepo(Reader),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "local or remote"),
    };

    public static double Loss(int run, long step) => (2.5 * Math.Exp(-step / 2500.0)) + (0.05 * run) + (0.01 * Math.Sin(step * 0.7));

    public async Task InitializeAsync()
    {
        Repo = Repo.Open(_dir.Path);
        Adam = AddRun("sweep", ["good", "fast"], "the first", run =>
        {
            run["hparams"] = HParams(0.01, 32, "adam");
            run["raw"] = new byte[] { 1, 2, 255 };
            Track(run, 0, LongSteps, tokens: 2_000);
        });
        Sgd = AddRun("sweep", [], null, run =>
        {
            run["hparams"] = HParams(0.001, 64, "sgd");
            Track(run, 1, 2_000, tokens: 500);
        });
        Baseline = AddRun("baseline", ["good"], null, run =>
        {
            run["hparams"] = HParams(0.1, 128, "adam");
            run["by_epoch"] = new Dictionary<long, object?> { [10] = "ten", [2] = "two" };
            run["big"] = (1L << 60) + 1;
            Sequence loss = run.GetSequence("loss", Fold);
            Sequence accuracy = run.GetSequence("accuracy", Train);
            for (int step = 0; step < 300; step++)
            {
                loss.Track(Loss(2, step), step: step * 3, epoch: step / 100);
                accuracy.Track(step % 7 == 0 ? double.NaN : step / 300.0, step: step);
                run.Track($"note {step}", "notes", step: step);
            }
        });
        Archived = AddRun("sweep", [], null, run =>
        {
            run["hparams"] = HParams(0.05, 32, "adam");
            Track(run, 3, 100, tokens: 0);
            run.Archived = true;
        });

        _open = Repo.CreateRun("sweep", name: "still running");
        _open["hparams"] = HParams(0.02, 16, "adam");
        _open.Track(1.5, "loss", step: 0, context: Train);
        _open.Flush();
        Open = _open.Hash;

        Server = await AimServer.StartAsync(Repo, new AimServerOptions { Port = 0 });
        Reader = new RemoteReader(Server.Address);
    }

    public async Task DisposeAsync()
    {
        Reader.Dispose();
        await Server.DisposeAsync();
        _open?.Dispose();
        Repo.Dispose();
        _dir.Dispose();
    }

    private static Dictionary<string, object?> HParams(double lr, long batch, string optimizer) => new()
    {
        ["lr"] = lr,
        ["batch"] = batch,
        ["optimizer"] = optimizer,
        ["layers"] = new List<object?> { 256L, 128L },
        ["warmup"] = 1.0, // a float with an integral value: must come back a float
        ["schedule"] = new Dictionary<string, object?> { ["kind"] = "cos", ["min"] = null },
    };

    /// <summary>Train loss at every step, val loss every 10th, an int metric of <paramref name="tokens"/> steps.</summary>
    private static void Track(Run run, int index, int steps, int tokens)
    {
        Sequence train = run.GetSequence("loss", Train);
        Sequence val = run.GetSequence("loss", Val);
        for (int step = 0; step < steps; step++)
        {
            train.Track(Loss(index, step), step: step, epoch: step / 1000);
            if (step % 10 == 0)
            {
                val.Track(Loss(index, step) + 0.1, step: step, epoch: step / 1000);
            }
        }

        Sequence count = run.GetSequence("tokens", Train);
        for (int step = 0; step < tokens; step++)
        {
            count.Track((long)step * 7, step: step);
        }
    }

    private string AddRun(string experiment, string[] tags, string? description, Action<Run> fill)
    {
        using Run run = Repo.CreateRun(experiment, tags: tags, description: description);
        fill(run);
        return run.Hash;
    }

    /// <summary>
    /// <see cref="IRepo"/> over a <see cref="RemoteReader"/>, reads only: what <c>RemoteRepo</c> (the tracking client)
    /// does with its reader once the two are merged, so these tests exercise code typed against <see cref="IRepo"/>.
    /// </summary>
    private sealed class ReaderRepo(RemoteReader reader) : IRepo
    {
        public IRun CreateRun(string? experiment = null, string? name = null, IEnumerable<string>? tags = null, string? description = null) =>
            throw new NotSupportedException("reads only");

        public IRun OpenRun(string hash) => throw new NotSupportedException("reads only");

        public void Flush()
        {
        }

        public IRunInfo GetRun(string hash) => reader.GetRun(hash);

        public QueryResults<IRunInfo> QueryRuns(string query) => reader.QueryRuns(query);

        public QueryResults<ISequence> QuerySequences(string query) => reader.QuerySequences(query);

        public void Dispose()
        {
        }
    }
}
