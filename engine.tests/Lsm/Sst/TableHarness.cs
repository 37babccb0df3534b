using AimLsm.Kv;
using AimLsm.Kv.IO;
using AimLsm.Kv.Cache;
using AimLsm.Kv.Keys;
using AimLsm.Kv.RangeDel;
using AimLsm.Kv.Sst;

namespace AimLsm.Tests.Lsm.Sst;

/// <summary>Builds tables in an in-memory file system and damages their bytes (its own instance per test).</summary>
internal sealed class TableHarness
{
    private readonly MemFileSystem _fs = new();

    public TableHarness()
    {
        _fs.CreateDirectory(Dir);
    }

    public static string Dir => Path.Combine(Path.GetTempPath(), "aimlsm-sst");

    public string PathOf(string name) => Path.Combine(Dir, name);

    /// <summary>Writes a table; by default as a database does (LZ4, 10 bits per key), with small blocks.</summary>
    public TableSummary Build(string name, IEnumerable<(byte[] Key, byte[] Value)> entries, IEnumerable<RangeTombstone>? tombstones = null,
        int blockSize = 256, int restartInterval = 16, Compression compression = Compression.Lz4, int bloomBitsPerKey = 10)
    {
        using IWritableFile file = _fs.Create(PathOf(name));
        var builder = new TableBuilder(file, new TableOptions(blockSize, restartInterval, compression, bloomBitsPerKey, Cache: null));
        foreach ((byte[] k, byte[] v) in entries)
        {
            builder.Add(k, v);
        }
        foreach (RangeTombstone t in tombstones ?? [])
        {
            builder.AddRangeTombstone(t);
        }
        TableSummary summary = builder.Finish();
        file.Sync();
        Assert.Equal(file.Length, summary.FileSize);
        return summary;
    }

    /// <summary>Opens a table, reading through <paramref name="cache"/> (keyed by <paramref name="number"/>) when given.</summary>
    public TableReader Open(string name, ulong number = 5, BlockCache? cache = null, TableStatistics? statistics = null) =>
        TableReader.Open(_fs.OpenRead(PathOf(name)), number, ReadOptions(cache, statistics));

    public static TableOptions ReadOptions(BlockCache? cache = null, TableStatistics? statistics = null) =>
        new(4096, 16, Compression.None, 0, cache) { Statistics = statistics ?? new TableStatistics() };

    public byte[] Contents(string name)
    {
        using IReadableFile f = _fs.OpenRead(PathOf(name));
        byte[] data = new byte[f.Length];
        f.Read(0, data);
        return data;
    }

    public void Replace(string name, ReadOnlySpan<byte> contents)
    {
        using IWritableFile w = _fs.Create(PathOf(name));
        w.Append(contents);
    }

    /// <summary>Every entry, via a full forward scan.</summary>
    public static List<(byte[] Key, byte[] Value)> Scan(TableReader table)
    {
        var list = new List<(byte[], byte[])>();
        using var it = table.NewIterator();
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            list.Add((it.Key.ToArray(), it.Value.ToArray()));
        }
        return list;
    }

    internal struct CaptureSink : IValueSink
    {
        public byte[]? Value;

        public void SetValue(ReadOnlySpan<byte> value) => Value = value.ToArray();
    }

    /// <summary>Point lookup: (found, type, sequence, value).</summary>
    public static (bool Found, EntryType Type, ulong Sequence, byte[]? Value) Get(TableReader table, ReadOnlySpan<byte> userKey, ulong snapshot, ulong covering = 0)
    {
        byte[] seek = InternalKey.Make(userKey, snapshot, EntryType.ForSeek);
        var sink = new CaptureSink();
        bool found = table.Get(seek, covering, out EntryType type, out ulong seq, ref sink);
        return (found, type, seq, sink.Value);
    }
}
