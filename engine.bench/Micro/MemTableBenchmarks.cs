using AimLsm.Kv.Keys;
using AimLsm.Kv.Memtable;
using BenchmarkDotNet.Attributes;

namespace AimLsm.Bench.Micro;

/// <summary>
/// Memtable insert (random keys, new sequence numbers) and lookup in a memtable of 100,000 entries.
/// Insert starts a new memtable every 32 MiB, as the write path would; the arena's chunks are the only
/// allocations, so its bytes per insert are about the entry's size.
/// </summary>
[MemoryDiagnoser]
public class MemTableBenchmarks
{
    private const int Entries = 100_000;
    private const long WriteBuffer = 4L << 20;
    private readonly byte[] _value = MicroData.Bytes(MicroData.ValueSize, 4);
    private readonly byte[] _key = new byte[MicroData.KeySize];
    private readonly ChunkPool _pool = new(MemTable.ChunkSizeFor(WriteBuffer), 64);
    private MemTable _insertTable = null!;
    private MemTable _lookupTable = null!;
    private ulong _sequence;
    private ulong _state = 88172645463325252UL;

    [GlobalSetup]
    public void Setup()
    {
        // As the Db does: memtables take arena chunks from a pool and give them back when released; cycle a few
        // so the pool is primed and the benchmark measures the steady state.
        _insertTable = NewInsertTable();
        for (int i = 0; i < 3 * Entries; i++)
        {
            MemTableInsert();
        }
        _lookupTable = new MemTable(0, WriteBuffer);
        for (int i = 0; i < Entries; i++)
        {
            MicroData.Key(i, _key);
            _lookupTable.Add((ulong)i + 1, EntryType.Value, _key, _value);
        }
    }

    private long NextIndex()
    {
        _state ^= _state << 13;
        _state ^= _state >> 7;
        _state ^= _state << 17;
        return (long)(_state % Entries);
    }

    [Benchmark]
    public void MemTableInsert()
    {
        if (_insertTable.ApproximateMemoryUsage >= WriteBuffer)
        {
            _insertTable.Unref();
            _insertTable = NewInsertTable();
        }
        MicroData.Key(NextIndex(), _key);
        _insertTable.Add(++_sequence, EntryType.Value, _key, _value);
    }

    private MemTable NewInsertTable()
    {
        var t = new MemTable(0, WriteBuffer, _pool);
        t.Ref();
        return t;
    }

    [Benchmark]
    public bool MemTableGet()
    {
        MicroData.Key(NextIndex(), _key);
        return _lookupTable.Get(_key, ulong.MaxValue >> 8, out _, out _, out _);
    }
}
