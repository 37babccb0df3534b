using AimLsm.Kv;
using System.Buffers;

namespace AimLsm.Bench.DbBench;

/// <summary>AimLsm with its defaults (64 MiB write buffer, 4 KiB blocks), WAL on, fsync only when asked.</summary>
internal sealed class AimLsmEngine : IKvEngine
{
    private static readonly WriteOptions NoSync = new();
    private static readonly WriteOptions Sync = new() { Sync = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_value;

    private readonly Db _db;
    private readonly Timer _sampler;
    private int _maxL0;
    private double _stallBefore;

    public AimLsmEngine(string directory)
    {
        Directory = directory;
        _db = Db.Open(directory, new DbOptions { CreateIfMissing = true });
        // Flow control's promise, observed: L0 never reaches the stop trigger (36) however hard writes push.
        _sampler = new Timer(_ => SampleL0(), null, 50, 50);
    }

    private void SampleL0()
    {
        if (int.TryParse(_db.GetProperty("aimlsm.num-files-at-level0"), out int l0))
        {
            int seen;
            while (l0 > (seen = Volatile.Read(ref _maxL0)) && Interlocked.CompareExchange(ref _maxL0, l0, seen) != seen)
            {
            }
        }
    }

    public string? WorkloadNote()
    {
        string stats = _db.GetProperty("aimlsm.stats") ?? "";
        double stall = Stall(stats);
        string note = $"L0 max {Interlocked.Exchange(ref _maxL0, 0)}, stalls {stall - _stallBefore:F2} s, engine W-amp {_db.GetProperty("aimlsm.write-amplification")} (cumulative)";
        _stallBefore = stall;
        return note;
    }

    private static double Stall(string stats)
    {
        foreach (string line in stats.Split('\n'))
        {
            if (line.StartsWith("stalls: ", StringComparison.Ordinal)
                && double.TryParse(line.AsSpan(8, line.IndexOf(' ', 8) - 8), System.Globalization.CultureInfo.InvariantCulture, out double s))
            {
                return s;
            }
        }
        return 0;
    }

    public string Name => "aimlsm";

    public string Directory { get; }

    public string Settings => "defaults: 64 MiB write buffer, 4 KiB blocks, LZ4, bloom 10 bits/key, 64 MiB block cache, leveled compaction; WAL on";

    public string? DurabilityCaveat(bool sync) => null;

    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool sync) => _db.Put(key, value, sync ? Sync : NoSync);

    public IKvBatch NewBatch() => new Batch(_db);

    public int Get(ReadOnlySpan<byte> key)
    {
        ArrayBufferWriter<byte> sink = t_value ??= new ArrayBufferWriter<byte>(4096);
        sink.ResetWrittenCount();
        return _db.TryGet(key, sink) ? sink.WrittenCount : -1;
    }

    public IKvCursor NewCursor() => new Cursor(_db.NewIterator());

    public void Flush()
    {
        _db.Flush();
        _db.WaitForCompactions();
    }

    public void Dispose()
    {
        _sampler.Dispose();
        _db.Dispose();
    }

    private sealed class Batch(Db db) : IKvBatch
    {
        private readonly WriteBatch _batch = new();

        public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _batch.Put(key, value);

        public void Commit()
        {
            db.Write(_batch, NoSync);
            _batch.Clear();
        }

        public void Dispose()
        {
        }
    }

    private sealed class Cursor(Iterator it) : IKvCursor
    {
        public bool Valid => it.Valid;

        public ReadOnlySpan<byte> Key => it.Key;

        public ReadOnlySpan<byte> Value => it.Value;

        public void SeekToFirst() => it.SeekToFirst();

        public void SeekToLast() => it.SeekToLast();

        public void Seek(ReadOnlySpan<byte> target) => it.Seek(target);

        public void SeekForPrev(ReadOnlySpan<byte> target) => it.SeekForPrev(target);

        public void Next() => it.Next();

        public void Prev() => it.Prev();

        public void Dispose() => it.Dispose();
    }
}
