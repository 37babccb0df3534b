using AimLsm.Kv;
using System.Text;
using AimLsm.Kv.IO;

namespace AimLsm.Testing;

/// <summary>
/// Runs a sequence of <see cref="ModelOp"/>s against a real <see cref="Db"/> and an in-memory oracle (a sorted
/// dictionary, copied for each snapshot), and throws with the whole replayable sequence at the first divergence.
/// </summary>
/// <remarks>
/// The runner owns the database it opens (at <c>path</c> on the given file system, created if missing) and sets
/// <see cref="DbOptions.FileSystem"/> and <see cref="DbOptions.CreateIfMissing"/> on the options it is given. Any
/// exception from the engine counts as a divergence: the model has no failures. Not thread-safe.
/// </remarks>
public sealed class ModelRunner : IDisposable
{
    private readonly IFileSystem _fs;
    private readonly string _path;
    private readonly DbOptions _options;
    private readonly List<(Snapshot Db, SortedDictionary<byte[], byte[]> Model)> _snapshots = [];
    private SortedDictionary<byte[], byte[]> _model = new(ByteComparer.Instance);
    private Db _db;

    /// <summary>Opens a database at <paramref name="path"/> on <paramref name="fs"/> with <paramref name="options"/>.</summary>
    public ModelRunner(DbOptions options, IFileSystem fs, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(fs);
        ArgumentNullException.ThrowIfNull(path);
        _fs = fs;
        _path = path;
        _options = options;
        options.FileSystem = fs;
        options.CreateIfMissing = true;
        fs.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!); // CreateIfMissing makes the last folder only
        _db = Db.Open(path, options);
    }

    /// <summary>How many ops <see cref="Apply"/> has run.</summary>
    public int Steps { get; private set; }

    /// <summary>Runs every op; on a mismatch throws an exception whose message holds the sequence and the failing step.</summary>
    /// <remarks>Without <paramref name="fs"/> it runs on a new <see cref="MemFileSystem"/> at /model/db.</remarks>
    /// <exception cref="ModelDivergenceException">The engine and the model disagreed, or the engine threw.</exception>
    public static void Run(IReadOnlyList<ModelOp> ops, DbOptions options, IFileSystem? fs = null, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(ops);
        ArgumentNullException.ThrowIfNull(options);
        fs ??= new MemFileSystem();
        path ??= "/model/db";
        ModelRunner runner;
        try
        {
            runner = new ModelRunner(options, fs, path);
        }
        catch (Exception e)
        {
            throw Divergence(ops, options, -1, e);
        }
        ModelDivergenceException? failure = null;
        for (int i = 0; i < ops.Count && failure is null; i++)
        {
            try
            {
                runner.Apply(ops[i]);
            }
            catch (Exception e)
            {
                failure = Divergence(ops, options, i, e);
            }
        }
        try
        {
            runner.Dispose();
        }
        catch (Exception e)
        {
            // Closing is part of the run (it may write); after an earlier failure it may fail the same way, and the
            // first failure is the finding.
            failure ??= Divergence(ops, options, ops.Count, e);
        }
        if (failure is not null)
        {
            throw failure;
        }
    }

    private static ModelDivergenceException Divergence(IReadOnlyList<ModelOp> ops, DbOptions options, int step, Exception e)
    {
        var sb = new StringBuilder();
        sb.AppendLine(step < 0 ? $"Model divergence at open: {e.Message}"
            : step == ops.Count ? $"Model divergence at close, after the last step: {e.Message}"
            : $"Model divergence at step {step} ({ops[step]}): {e.Message}");
        sb.AppendLine($"Options: WriteBufferSize={options.WriteBufferSize} BlockSize={options.BlockSize} BlockRestartInterval={options.BlockRestartInterval} Compression={options.Compression} Bloom={options.BloomFilterBitsPerKey} Cache={options.BlockCacheSize} L0Trigger={options.Level0FileNumCompactionTrigger} LevelBase={options.MaxBytesForLevelBase} TargetFile={options.TargetFileSizeBase}");
        sb.AppendLine("Replayable sequence (ModelOp.Parse reads each line; engine.tests keeps regressions in testdata/model/NAME.txt):");
        foreach (ModelOp op in ops)
        {
            sb.AppendLine(op.ToString());
        }
        return new ModelDivergenceException(sb.ToString(), step, e);
    }

    /// <summary>Runs one op on the engine and the model; a read is compared at once.</summary>
    /// <exception cref="InvalidOperationException">A read disagreed with the model; the message says how.</exception>
    public void Apply(ModelOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        Steps++;
        switch (op)
        {
            case PutOp or DeleteOp or DeleteRangeOp:
                Write(new BatchOp([op], ModeOf(op)));
                break;
            case BatchOp b:
                Write(b);
                break;
            case GetOp g:
                CheckGet(g);
                break;
            case SnapshotOp:
                _snapshots.Add((_db.GetSnapshot(), new SortedDictionary<byte[], byte[]>(_model, ByteComparer.Instance)));
                break;
            case ReleaseOp r:
                if (_snapshots.Count > 0)
                {
                    int i = r.Index % _snapshots.Count;
                    _snapshots[i].Db.Dispose();
                    _snapshots.RemoveAt(i);
                }
                break;
            case IterOp it:
                CheckIterator(it);
                break;
            case FlushOp:
                _db.Flush();
                break;
            case ReopenOp:
                ReleaseAll();
                _db.Dispose();
                _db = Db.Open(_path, _options);
                break;
            default:
                throw new InvalidOperationException($"unknown op {op}");
        }
    }

    private static WriteMode ModeOf(ModelOp op) => op switch
    {
        PutOp p => p.Mode,
        DeleteOp d => d.Mode,
        DeleteRangeOp r => r.Mode,
        _ => WriteMode.Plain,
    };

    private void Write(BatchOp b)
    {
        var batch = new WriteBatch();
        foreach (ModelOp op in b.Ops)
        {
            switch (op)
            {
                case PutOp p:
                    batch.Put(p.Key, p.Value);
                    _model[p.Key] = p.Value;
                    break;
                case DeleteOp d:
                    batch.Delete(d.Key);
                    _model.Remove(d.Key);
                    break;
                case DeleteRangeOp r:
                    batch.DeleteRange(r.Begin, r.End);
                    foreach (byte[] k in _model.Keys.Where(k => ByteComparer.Instance.Compare(k, r.Begin) >= 0 && ByteComparer.Instance.Compare(k, r.End) < 0).ToList())
                    {
                        _model.Remove(k);
                    }
                    break;
            }
        }
        _db.Write(batch, new WriteOptions { Sync = b.Mode == WriteMode.Sync, DisableWal = b.Mode == WriteMode.NoWal });
    }

    private (Snapshot? Snap, SortedDictionary<byte[], byte[]> Model) View(int index) =>
        index < 0 || _snapshots.Count == 0 ? (null, _model) : _snapshots[index % _snapshots.Count];

    private void CheckGet(GetOp g)
    {
        (Snapshot? snap, SortedDictionary<byte[], byte[]> model) = View(g.Snapshot);
        byte[]? actual = _db.Get(g.Key, new ReadOptions { Snapshot = snap });
        model.TryGetValue(g.Key, out byte[]? expected);
        if (!Same(expected, actual))
        {
            throw new InvalidOperationException($"Get({ModelOp.Hex(g.Key)}) returned {ModelOp.Hex(actual)}, expected {ModelOp.Hex(expected)}");
        }
    }

    private void CheckIterator(IterOp op)
    {
        (Snapshot? snap, SortedDictionary<byte[], byte[]> model) = View(op.Snapshot);
        var expected = model.Where(kv => (op.Lower is null || ByteComparer.Instance.Compare(kv.Key, op.Lower) >= 0)
            && (op.Upper is null || ByteComparer.Instance.Compare(kv.Key, op.Upper) < 0)).ToList();
        using Iterator it = _db.NewIterator(new ReadOptions { Snapshot = snap, LowerBound = op.Lower, UpperBound = op.Upper });
        int pos;
        byte[] target = op.Target ?? [];
        switch (op.Position)
        {
            case "first":
                it.SeekToFirst();
                pos = 0;
                break;
            case "last":
                it.SeekToLast();
                pos = expected.Count - 1;
                break;
            case "seek":
                it.Seek(target);
                pos = expected.FindIndex(kv => ByteComparer.Instance.Compare(kv.Key, target) >= 0);
                if (pos < 0)
                {
                    pos = expected.Count;
                }
                break;
            case "seekforprev":
                it.SeekForPrev(target);
                pos = expected.FindLastIndex(kv => ByteComparer.Instance.Compare(kv.Key, target) <= 0);
                break;
            default:
                throw new InvalidOperationException($"unknown position {op.Position}");
        }
        Compare(it, expected, pos, op.Position);
        foreach (char step in op.Steps)
        {
            if (!it.Valid)
            {
                break;
            }
            if (step == 'N')
            {
                it.Next();
                pos++;
            }
            else
            {
                it.Prev();
                pos--;
            }
            Compare(it, expected, pos, step.ToString());
        }
    }

    private static void Compare(Iterator it, List<KeyValuePair<byte[], byte[]>> expected, int pos, string what)
    {
        bool shouldBeValid = pos >= 0 && pos < expected.Count;
        if (it.Valid != shouldBeValid)
        {
            string exp = shouldBeValid ? ModelOp.Hex(expected[pos].Key) : "invalid";
            string act = it.Valid ? ModelOp.Hex(it.Key.ToArray()) : "invalid";
            throw new InvalidOperationException($"iterator after {what}: at {act}, expected {exp}");
        }
        if (shouldBeValid && (!it.Key.SequenceEqual(expected[pos].Key) || !it.Value.SequenceEqual(expected[pos].Value)))
        {
            throw new InvalidOperationException(
                $"iterator after {what}: at {ModelOp.Hex(it.Key.ToArray())}={ModelOp.Hex(it.Value.ToArray())}, expected {ModelOp.Hex(expected[pos].Key)}={ModelOp.Hex(expected[pos].Value)}");
        }
    }

    private static bool Same(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    private void ReleaseAll()
    {
        foreach ((Snapshot s, _) in _snapshots)
        {
            s.Dispose();
        }
        _snapshots.Clear();
    }

    /// <summary>Releases the snapshots and closes the database.</summary>
    public void Dispose()
    {
        ReleaseAll();
        _db.Dispose();
    }
}

