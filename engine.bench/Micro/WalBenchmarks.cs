using AimLsm.Kv.Wal;
using BenchmarkDotNet.Attributes;

namespace AimLsm.Bench.Micro;

/// <summary>Appending one WAL record the size of a single-Put batch (12-byte header + tag + 16-byte key + 100-byte value).</summary>
[MemoryDiagnoser]
public class WalBenchmarks
{
    private readonly byte[] _record = MicroData.Bytes(12 + 1 + 1 + MicroData.KeySize + 1 + MicroData.ValueSize, 3);
    private LogWriter _writer = null!;

    [GlobalSetup]
    public void Setup() => _writer = new LogWriter(new NullWritableFile());

    [Benchmark]
    public void WalAppend() => _writer.AddRecord(_record);
}
