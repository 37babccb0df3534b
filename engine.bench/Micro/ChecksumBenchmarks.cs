using AimLsm.Kv.Common;
using BenchmarkDotNet.Attributes;

namespace AimLsm.Bench.Micro;

/// <summary>CRC32C (masked, as stored) over a WAL-record-sized and a block-sized buffer.</summary>
[MemoryDiagnoser]
public class ChecksumBenchmarks
{
    private readonly byte[] _small = MicroData.Bytes(128, 1);
    private readonly byte[] _block = MicroData.Bytes(4096, 2);

    [Benchmark]
    public uint Crc32C_128B() => Checksum.ComputeMasked(_small);

    [Benchmark]
    public uint Crc32C_4KiB() => Checksum.ComputeMasked(_block);
}
