using AimLsm.Kv;
using FsCheck;
using FsCheck.Fluent;

namespace AimLsm.Tests.Model;

/// <summary>
/// FsCheck generators for model-test cases: operation sequences over a small key space (so overwrites, deletes and
/// range deletes collide) and option sets with tiny write buffers (so flushes happen constantly).
/// </summary>
public static class ModelGen
{
    /// <summary>Every key of 0..2 bytes over {00, 01, 'a', ff}, plus a few of 3 bytes: 24 keys, the empty key included.</summary>
    public static readonly byte[][] Keys = BuildKeys();

    /// <summary>
    /// Option sets: each case runs under one (the replay header names it by index; DO NOT reorder, append only).
    /// Most force constant flushing and compaction: tiny write buffers, tiny files and levels, low L0 triggers.
    /// </summary>
    public static readonly ModelOptions[] OptionSets =
    [
        new(4096, 256, 2, Compression.None, 0, 0, 2, 8 << 10, 2 << 10),
        new(4096, 1024, 16, Compression.Lz4, 10, 4 << 10, 2, 16 << 10, 4 << 10),
        new(16384, 4096, 16, Compression.Lz4, 10, 64 << 10, 4, 64 << 10, 16 << 10),
        new(1 << 20, 4096, 1, Compression.None, 10, 0, 4, 256 << 20, 64 << 20),
        new(4096, 512, 4, Compression.Lz4, 0, 1 << 10, 1, 4 << 10, 1 << 10),
        new(8192, 256, 16, Compression.None, 20, 2 << 10, 3, 4 << 10, 2 << 10),
    ];

    private static byte[][] BuildKeys()
    {
        byte[] alphabet = [0x00, 0x01, (byte)'a', 0xFF];
        var keys = new List<byte[]> { Array.Empty<byte>() };
        foreach (byte a in alphabet)
        {
            keys.Add([a]);
        }
        foreach (byte a in alphabet)
        {
            foreach (byte b in alphabet)
            {
                keys.Add([a, b]);
            }
        }
        keys.Add([0x00, 0x00, 0x00]);
        keys.Add("aaa"u8.ToArray());
        keys.Add([0xFF, 0xFF, 0xFF]);
        return [.. keys];
    }

    private static readonly Gen<byte[]> Key = Gen.Elements(Keys);

    private static readonly Gen<byte[]?> Bound = Gen.Frequency(
        (3, Gen.Constant<byte[]?>(null)),
        (1, Key.Select(k => (byte[]?)k)));

    private static readonly Gen<byte[]> SmallValue =
        Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n));

    // Large values span blocks and fill the tiny memtables quickly.
    private static readonly Gen<byte[]> LargeValue =
        from n in Gen.Choose(300, 3000)
        from b in Gen.Choose(0, 255)
        select Enumerable.Repeat((byte)b, n).ToArray();

    private static readonly Gen<byte[]> Value = Gen.Frequency((9, SmallValue), (1, LargeValue));

    private static readonly Gen<WriteMode> Mode = Gen.Frequency(
        (8, Gen.Constant(WriteMode.Plain)), (1, Gen.Constant(WriteMode.Sync)), (1, Gen.Constant(WriteMode.NoWal)));

    private static readonly Gen<ModelOp> Put = from k in Key from v in Value from m in Mode select (ModelOp)new PutOp(k, v, m);

    private static readonly Gen<ModelOp> Delete = from k in Key from m in Mode select (ModelOp)new DeleteOp(k, m);

    private static readonly Gen<ModelOp> DeleteRange =
        from a in Key
        from b in Key
        from m in Mode
        let ordered = ByteComparer.Instance.Compare(a, b) <= 0
        select (ModelOp)new DeleteRangeOp(ordered ? a : b, ordered ? b : a, m);

    private static readonly Gen<ModelOp> BatchItem = Gen.Frequency((5, Put), (2, Delete), (1, DeleteRange));

    private static readonly Gen<ModelOp> Batch =
        from n in Gen.Choose(0, 6)
        from ops in Gen.ArrayOf(BatchItem, n)
        from m in Mode
        select (ModelOp)new BatchOp(ops.Select(o => o switch
        {
            PutOp p => p with { Mode = WriteMode.Plain },
            DeleteOp d => d with { Mode = WriteMode.Plain },
            DeleteRangeOp r => r with { Mode = WriteMode.Plain },
            _ => o,
        }).ToArray(), m);

    private static readonly Gen<int> SnapshotRef = Gen.Frequency((2, Gen.Constant(-1)), (1, Gen.Choose(0, 7)));

    private static readonly Gen<ModelOp> Get = from k in Key from s in SnapshotRef select (ModelOp)new GetOp(k, s);

    private static readonly Gen<string> Steps =
        from n in Gen.Choose(0, 14)
        from s in Gen.ArrayOf(Gen.Frequency((3, Gen.Constant('N')), (2, Gen.Constant('P'))), n)
        select new string(s);

    private static readonly Gen<ModelOp> Iter =
        from s in SnapshotRef
        from lo in Bound
        from hi in Bound
        from pos in Gen.Elements("first", "last", "seek", "seekforprev")
        from t in Key
        from steps in Steps
        select (ModelOp)new IterOp(s, lo, hi, pos, pos is "seek" or "seekforprev" ? t : null, steps);

    public static readonly Gen<ModelOp> Op = Gen.Frequency(
        (30, Put),
        (8, Delete),
        (5, DeleteRange),
        (6, Batch),
        (14, Get),
        (3, Gen.Constant<ModelOp>(new SnapshotOp())),
        (2, Gen.Choose(0, 7).Select(i => (ModelOp)new ReleaseOp(i))),
        (12, Iter),
        (3, Gen.Constant<ModelOp>(new FlushOp())),
        (2, Gen.Constant<ModelOp>(new ReopenOp())));

    /// <summary>A case: an option set and 2..~100 ops that always include at least one flush and one reopen.</summary>
    public static readonly Gen<ModelCase> Case =
        from set in Gen.Choose(0, OptionSets.Length - 1)
        from n in Gen.Choose(0, 90)
        from ops in Gen.ArrayOf(Op, n)
        from flushAt in Gen.Choose(0, n)
        from reopenAt in Gen.Choose(0, n + 1)
        select new ModelCase(set, Insert(Insert(ops, flushAt, new FlushOp()), reopenAt, new ReopenOp()));

    private static ModelOp[] Insert(ModelOp[] ops, int at, ModelOp op) => [.. ops[..at], op, .. ops[at..]];

    /// <summary>Shrinks by dropping runs of ops: halves, quarters, ... single ops; then trying simpler option sets.</summary>
    public static IEnumerable<ModelCase> Shrink(ModelCase c)
    {
        ModelOp[] ops = c.Ops;
        for (int size = ops.Length / 2; size >= 1; size /= 2)
        {
            for (int start = 0; start + size <= ops.Length; start += size)
            {
                yield return c with { Ops = [.. ops[..start], .. ops[(start + size)..]] };
            }
        }
        for (int i = 0; i < ops.Length; i++)
        {
            if (ops[i] is BatchOp b && b.Ops.Length > 1)
            {
                for (int j = 0; j < b.Ops.Length; j++)
                {
                    ModelOp smaller = b with { Ops = [.. b.Ops[..j], .. b.Ops[(j + 1)..]] };
                    yield return c with { Ops = [.. ops[..i], smaller, .. ops[(i + 1)..]] };
                }
            }
            if (ops[i] is IterOp it && it.Steps.Length > 0)
            {
                yield return c with { Ops = [.. ops[..i], it with { Steps = it.Steps[..^1] }, .. ops[(i + 1)..]] };
            }
        }
    }

    public static Arbitrary<ModelCase> Arbitrary => Arb.From(Case, Shrink);
}

/// <summary>One generated case: an index into <see cref="ModelGen.OptionSets"/> and the ops.</summary>
public sealed record ModelCase(int OptionSet, ModelOp[] Ops)
{
    public DbOptions Options() => ModelGen.OptionSets[OptionSet].ToDbOptions();

    public override string ToString() => $"# options {OptionSet}{Environment.NewLine}{string.Join(Environment.NewLine, Ops.Select(o => o.ToString()))}";

    /// <summary>Reads the text form: an optional "# options N" line, then one op per line; other '#' lines are comments.</summary>
    public static ModelCase Parse(string text)
    {
        int set = 0;
        var ops = new List<ModelOp>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith("# options ", StringComparison.Ordinal))
            {
                set = int.Parse(line["# options ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.Length > 0 && !line.StartsWith('#'))
            {
                ops.Add(ModelOp.Parse(line));
            }
        }
        return new ModelCase(set, [.. ops]);
    }
}

/// <summary>One option set of the model and metamorphic tests.</summary>
public sealed record ModelOptions(
    long WriteBuffer, int Block, int Restart, Compression Compression, int BloomBits, long CacheBytes,
    int L0Trigger, long LevelBase, long TargetFile)
{
    public DbOptions ToDbOptions() => new()
    {
        WriteBufferSize = WriteBuffer,
        BlockSize = Block,
        BlockRestartInterval = Restart,
        Compression = Compression,
        BloomFilterBitsPerKey = BloomBits,
        BlockCacheSize = CacheBytes,
        Level0FileNumCompactionTrigger = L0Trigger,
        Level0SlowdownWritesTrigger = Math.Max(L0Trigger, 8),
        Level0StopWritesTrigger = Math.Max(L0Trigger, 12),
        MaxBytesForLevelBase = LevelBase,
        MaxBytesForLevelMultiplier = 4,
        TargetFileSizeBase = TargetFile,
    };
}
