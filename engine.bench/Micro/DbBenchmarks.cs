using AimLsm.Kv;
using System.Buffers;
using BenchmarkDotNet.Attributes;

namespace AimLsm.Bench.Micro;

/// <summary>
/// The public API's hot paths on a real database in a temp directory, WAL on, no fsync:
/// Put (random overwrites of 100,000 keys), Get and iterator Next from the memtable and from an L0 table.
/// Get copies into a reused <see cref="ArrayBufferWriter{T}"/> through TryGet, the allocation-free read.
/// </summary>
[MemoryDiagnoser]
public class DbBenchmarks
{
    private const int Keys = 100_000;
    private readonly byte[] _value = MicroData.Bytes(MicroData.ValueSize, 6);
    private readonly byte[] _key = new byte[MicroData.KeySize];
    private readonly ArrayBufferWriter<byte> _sink = new(4096);
    private string _dir = "";
    private Db _putDb = null!;   // written by Put only
    private Db _memDb = null!;   // data in the memtable
    private Db _tableDb = null!; // data flushed to one L0 table
    private Iterator _memIter = null!;
    private Iterator _tableIter = null!;
    private ulong _state = 88172645463325252UL;

    [GlobalSetup]
    public void Setup()
    {
        _dir = MicroData.TempDirectory("db");
        // Put's own path, in its steady state: fill one memtable until it is frozen and flushed, so its arena chunks
        // are back in the pool for the next one, then measure while the next memtable (128 MiB, more than the short
        // job writes) fills from the pool. MemoryDiagnoser counts every thread's allocations; with no flush or
        // compaction running during the measurement, what it sees is Put's.
        _putDb = Db.Open(Path.Combine(_dir, "put"), new DbOptions { CreateIfMissing = true, WriteBufferSize = 128 << 20 });
        while (_putDb.GetProperty("aimlsm.num-files-at-level0") == "0")
        {
            for (int i = 0; i < 10_000; i++)
            {
                Put();
            }
        }
        _putDb.Flush();
        _memDb = Db.Open(Path.Combine(_dir, "mem"), new DbOptions { CreateIfMissing = true });
        _tableDb = Db.Open(Path.Combine(_dir, "table"), new DbOptions { CreateIfMissing = true });
        for (int i = 0; i < Keys; i++)
        {
            MicroData.Key(i, _key);
            _memDb.Put(_key, _value);
            _tableDb.Put(_key, _value);
        }
        _tableDb.Flush();
        _memIter = _memDb.NewIterator();
        _memIter.SeekToFirst();
        _tableIter = _tableDb.NewIterator();
        _tableIter.SeekToFirst();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _memIter.Dispose();
        _tableIter.Dispose();
        _putDb.Dispose();
        _memDb.Dispose();
        _tableDb.Dispose();
        MicroData.DeleteDirectory(_dir);
    }

    private void NextKey()
    {
        _state ^= _state << 13;
        _state ^= _state >> 7;
        _state ^= _state << 17;
        MicroData.Key((long)(_state % Keys), _key);
    }

    [Benchmark]
    public void Put()
    {
        NextKey();
        _putDb.Put(_key, _value);
    }

    [Benchmark]
    public bool GetMemTable()
    {
        NextKey();
        _sink.ResetWrittenCount();
        return _memDb.TryGet(_key, _sink);
    }

    [Benchmark]
    public bool GetTable()
    {
        NextKey();
        _sink.ResetWrittenCount();
        return _tableDb.TryGet(_key, _sink);
    }

    [Benchmark]
    public bool IteratorNextMemTable() => Step(_memIter);

    [Benchmark]
    public bool IteratorNextTable() => Step(_tableIter);

    private static bool Step(Iterator it)
    {
        it.Next();
        if (!it.Valid)
        {
            it.SeekToFirst();
        }
        return it.Valid;
    }
}
