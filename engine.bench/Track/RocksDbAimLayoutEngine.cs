using System.Buffers;
using System.Buffers.Binary;
using AimLsm.Encoding;
using RocksDbSharp;
using RocksDbOptions = RocksDbSharp.DbOptions;
using RocksIterator = RocksDbSharp.Iterator;
using RocksReadOptions = RocksDbSharp.ReadOptions;
using RocksWriteBatch = RocksDbSharp.WriteBatch;
using RocksWriteOptions = RocksDbSharp.WriteOptions;

namespace AimLsm.Bench.Track;

/// <summary>
/// Aim's own metric layout ("v2" sequences, /work/shared/reference/aim-storage.md sections 2-4) written to RocksDB
/// through RocksDbSharp: one key per point per column,
/// <c>seqs/v2/chunks/&lt;run hash&gt;/&lt;context id&gt;/&lt;name&gt;/{val,step,epoch,time}/&lt;h(step)&gt;</c>, keys
/// encoded with <see cref="TreePath"/> and values with <see cref="AimValueWriter"/> (float: 03 + 8 bytes LE; int:
/// 02 + 8 bytes LE). Deviations from Aim, all in RocksDB's favour: one database for every run instead of one per run,
/// one WriteBatch per point (Aim issues one per column plus metadata updates), no <c>meta/.../traces</c> keys; the
/// step and context hashes are SplitMix64 instead of Aim's blake2b <c>hash_auto</c> (any fixed 64-bit hash gives the
/// same pseudo-random key order). Reads do what Aim's <c>SequenceV2Data</c> does: a whole sequence is a prefix scan
/// of the <c>val</c> and <c>step</c> columns, zipped and sorted by step; a sample is the first n keys of each column
/// in hashed order, sorted by step (Aim then also swaps in the true last step from the metadata, not done here).
/// </summary>
internal sealed class RocksDbAimLayoutEngine(TrackShape shape) : ITrackEngine
{
    private static readonly string[] Columns = ["val", "step", "epoch", "time"];
    private static readonly byte[] ArrayFlag = [0x06];

    private readonly string[] _hashes = RunHashes(shape.Runs);
    private readonly RocksWriteOptions _noSync = new RocksWriteOptions().SetSync(false);
    private readonly RocksWriteOptions _sync = new RocksWriteOptions().SetSync(true);
    private string _directory = "";
    private RocksDb? _db;
    private byte[][]? _prefixes;
    private RocksReadOptions[]? _readOptions;

    public string Name => "rocksdb";

    public string Settings =>
        $"RocksDB {NativeVersion()} through RocksDbSharp, RocksDB's default options except create_if_missing; one database for all runs; " +
        "Aim's v2 layout seqs/v2/chunks/<run>/<ctx id>/<name>/{val,step,epoch,time}/<h(step)> with Aim-encoded values, " +
        "h = SplitMix64(step) and ctx id = SplitMix64(FNV-1a('subset=<c>')) standing in for Aim's blake2b hash_auto; " +
        "one WriteBatch of 4 puts per point (plus each column's ArrayFlag once per sequence), no trace metadata; " +
        "WAL on, sync false (Aim's default), ingest ends with one synced write; whole read = prefix scans of val and step, " +
        "sorted by step; sample = first n keys of val and step in hashed order, sorted by step";

    public string Notes { get; private set; } = "";

    public void Create(string directory)
    {
        _directory = directory;
        _db = Open(directory);
        _prefixes = AllPrefixes();
    }

    private static RocksDb Open(string directory) => RocksDb.Open(new RocksDbOptions().SetCreateIfMissing(true), directory);

    /// <summary>The encoded path of one column of one sequence: ends in FE, so a subtree is [prefix, prefix + FF).</summary>
    private byte[] ColumnPrefix(int run, int metric, int context, int column) => TreePath.Encode(
    [
        "seqs", "v2", "chunks", _hashes[run], ContextId(context), TrackShape.Metrics[metric], Columns[column],
    ]);

    /// <summary>Index of a column prefix in <see cref="_prefixes"/>.</summary>
    private static int Slot(int run, int metric, int context, int column) =>
        (((((run * TrackShape.Metrics.Length) + metric) * TrackShape.Contexts.Length) + context) * Columns.Length) + column;

    private byte[][] AllPrefixes()
    {
        var prefixes = new byte[shape.Runs * shape.SequencesPerRun * Columns.Length][];
        for (int r = 0; r < shape.Runs; r++)
        {
            for (int m = 0; m < TrackShape.Metrics.Length; m++)
            {
                for (int c = 0; c < TrackShape.Contexts.Length; c++)
                {
                    for (int col = 0; col < Columns.Length; col++)
                    {
                        prefixes[Slot(r, m, c, col)] = ColumnPrefix(r, m, c, col);
                    }
                }
            }
        }
        return prefixes;
    }

    public IRunWriter StartRun(int thread, int run) => new Writer(_db!, _noSync, _prefixes!, Slot(run, 0, 0, 0));

    public void EndIngest()
    {
        // A synced write fsyncs the WAL, and with it every write before it: the points are as durable as AimLsm's.
        _db!.Put("bench\xfesynced\xfe"u8.ToArray(), ArrayFlag, null, _sync);
    }

    public void Close()
    {
        _db?.Dispose();
        _db = null;
    }

    public void OpenForReads()
    {
        _db = Open(_directory);
        _prefixes ??= AllPrefixes();
        _readOptions = new RocksReadOptions[_prefixes.Length];
        for (int i = 0; i < _prefixes.Length; i++)
        {
            // Only the val and step columns are read; the bound is the column's subtree end, as Aim's prefix views.
            int column = i % Columns.Length;
            if (column < 2)
            {
                _readOptions[i] = new RocksReadOptions().SetIterateUpperBound(TreePath.SubtreeUpperBound(_prefixes[i]));
            }
        }
    }

    public SeriesData ReadWhole(int run, int metric, int context) => Read(run, metric, context, int.MaxValue);

    public SeriesData ReadSample(int run, int metric, int context, int points) => Read(run, metric, context, points);

    private SeriesData Read(int run, int metric, int context, int limit)
    {
        var values = new List<double>(Math.Min(limit, 1024));
        var steps = new List<long>(Math.Min(limit, 1024));
        int val = Slot(run, metric, context, 0);
        byte[] valPrefix = _prefixes![val];
        using (RocksIterator it = _db!.NewIterator(null, _readOptions![val]))
        {
            for (it.Seek(valPrefix); it.Valid() && values.Count < limit; it.Next())
            {
                if (it.GetKeySpan().Length > valPrefix.Length)
                {
                    values.Add(DecodeNumber(it.GetValueSpan()));
                }
            }
        }
        byte[] stepPrefix = _prefixes[val + 1];
        using (RocksIterator it = _db.NewIterator(null, _readOptions[val + 1]))
        {
            for (it.Seek(stepPrefix); it.Valid() && steps.Count < limit; it.Next())
            {
                if (it.GetKeySpan().Length > stepPrefix.Length)
                {
                    steps.Add((long)DecodeNumber(it.GetValueSpan()));
                }
            }
        }
        if (steps.Count != values.Count)
        {
            throw new InvalidDataException($"rocksdb: the val and step columns of run {run} have {values.Count} and {steps.Count} keys.");
        }
        long[] s = [.. steps];
        double[] v = [.. values];
        Array.Sort(s, v);
        return new SeriesData(s, v);
    }

    private static double DecodeNumber(ReadOnlySpan<byte> value) => value[0] switch
    {
        0x03 => BinaryPrimitives.ReadDoubleLittleEndian(value[1..]),
        0x02 => BinaryPrimitives.ReadInt64LittleEndian(value[1..]),
        _ => double.NaN,
    };

    public void CloseReads()
    {
        _db?.Dispose();
        _db = null;
        _readOptions = null;
    }

    public string CompactOffline()
    {
        using RocksDb db = Open(_directory);
        db.CompactRange((byte[]?)null, null);
        return "CompactRange(null, null) (RocksDB's default CompactRangeOptions)";
    }

    private static long ContextId(int context)
    {
        ulong h = 14695981039346656037UL;
        foreach (char ch in "subset=" + TrackShape.Contexts[context])
        {
            h = (h ^ ch) * 1099511628211UL;
        }
        return (long)TrackShape.Mix(h);
    }

    private static string[] RunHashes(int runs)
    {
        var random = new Random(20261124);
        var hashes = new string[runs];
        for (int i = 0; i < runs; i++)
        {
            byte[] b = new byte[12];
            random.NextBytes(b);
            hashes[i] = Convert.ToHexStringLower(b);
        }
        return hashes;
    }

    private static string NativeVersion()
    {
        var v = typeof(RocksDb).Assembly.GetName().Version;
        return v is null ? "?" : $"{v.Major}.{v.Minor}.{v.Build}";
    }

    /// <summary>One run's writer: a reused batch, key buffer and value buffer; one Write per tracked point.</summary>
    private sealed class Writer(RocksDb db, RocksWriteOptions options, byte[][] prefixes, int first) : IRunWriter
    {
        private readonly RocksWriteBatch _batch = new();
        private readonly byte[] _key = new byte[512];
        private readonly ArrayBufferWriter<byte> _value = new(16);
        private readonly bool[,] _allocated = new bool[TrackShape.Metrics.Length, TrackShape.Contexts.Length];

        public void Track(int metric, int context, long step, long epoch, double value)
        {
            if (!_allocated[metric, context])
            {
                // Aim's TreeArrayView.allocate(): each column node holds an ArrayFlag.
                for (int col = 0; col < Columns.Length; col++)
                {
                    _batch.Put(prefixes[first + Slot(0, metric, context, col)], ArrayFlag);
                }
                _allocated[metric, context] = true;
            }
            long hashed = (long)TrackShape.Mix((ulong)step);
            double time = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 1e7;
            for (int col = 0; col < Columns.Length; col++)
            {
                byte[] prefix = prefixes[first + Slot(0, metric, context, col)];
                prefix.CopyTo(_key, 0);
                int keyLength = prefix.Length + TreePath.Write(_key.AsSpan(prefix.Length), [new PathSegment(hashed)]);
                _value.ResetWrittenCount();
                switch (col)
                {
                    case 0: AimValueWriter.WriteFloat(_value, value); break;
                    case 1: AimValueWriter.WriteInt(_value, step); break;
                    case 2: AimValueWriter.WriteInt(_value, epoch); break;
                    default: AimValueWriter.WriteFloat(_value, time); break;
                }
                _batch.Put(_key.AsSpan(0, keyLength), _value.WrittenSpan, null);
            }
            db.Write(_batch, options);
            _batch.Clear();
        }

        public void Dispose() => _batch.Dispose();
    }
}
