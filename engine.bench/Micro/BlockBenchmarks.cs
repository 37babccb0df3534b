using AimLsm.Kv.Keys;
using AimLsm.Kv.Sst;
using BenchmarkDotNet.Attributes;

namespace AimLsm.Bench.Micro;

/// <summary>
/// Data blocks: building a 4 KiB block (32 entries of a 24-byte internal key and a 100-byte value, restart every 16),
/// and seeking to a random key in it.
/// </summary>
[MemoryDiagnoser]
public class BlockBenchmarks
{
    private const int Entries = 32;
    private readonly byte[][] _keys = new byte[Entries][];
    private readonly byte[] _value = MicroData.Bytes(MicroData.ValueSize, 5);
    private readonly BlockBuilder _builder = new(16);
    private readonly BlockIterator _iterator = new(internalKeys: true);
    private byte[] _block = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < Entries; i++)
        {
            _keys[i] = InternalKey.Make(MicroData.Key(i * 7), (ulong)(i + 1), EntryType.Value);
        }
        BlockBuild();
        _block = _builder.Finish().ToArray();
        _builder.Reset();
        _iterator.Reset(_block, 0, _block.Length, "bench", 0);
    }

    /// <summary>One op = one whole block of 32 entries.</summary>
    [Benchmark]
    public int BlockBuild()
    {
        _builder.Reset();
        for (int i = 0; i < Entries; i++)
        {
            _builder.Add(_keys[i], _value);
        }
        return _builder.EstimatedSize;
    }

    [Benchmark]
    public bool BlockSeek()
    {
        _next = (_next + 13) % Entries;
        _iterator.Seek(_keys[_next]);
        return _iterator.Valid;
    }
}
