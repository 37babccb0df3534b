using AimLsm.Kv;

namespace AimLsm.Testing;

/// <summary>
/// Generates and shrinks model-test cases: operation sequences over a small key space (so overwrites, deletes and
/// range deletes collide) under option sets with tiny write buffers (so flushes and compactions happen constantly).
/// </summary>
/// <remarks>
/// Generation draws from a <see cref="Random"/> only, so a seed names a case and no property-testing library is
/// needed; <see cref="Shrink"/> lists smaller candidates, which <see cref="ModelChecker"/> (or FsCheck's
/// <c>Arb.From</c>) walks greedily. Thread-safe: nothing here has state.
/// </remarks>
public static class ModelGen
{
    /// <summary>Every key of 0..2 bytes over {00, 01, 'a', ff}, plus a few of 3 bytes: 24 keys, the empty key included.</summary>
    public static IReadOnlyList<byte[]> Keys { get; } = BuildKeys();

    /// <summary>
    /// Option sets: each case runs under one (the replay header names it by index; DO NOT reorder, append only:
    /// saved cases refer to them by number). Most force constant flushing and compaction: tiny write buffers, tiny
    /// files and levels, low L0 triggers. Set 3 has a 1 MiB write buffer: no flush happens but the explicit ones.
    /// </summary>
    public static IReadOnlyList<ModelOptions> OptionSets { get; } =
    [
        new(4096, 256, 2, Compression.None, 0, 0, 2, 8 << 10, 2 << 10),
        new(4096, 1024, 16, Compression.Lz4, 10, 4 << 10, 2, 16 << 10, 4 << 10),
        new(16384, 4096, 16, Compression.Lz4, 10, 64 << 10, 4, 64 << 10, 16 << 10),
        new(1 << 20, 4096, 1, Compression.None, 10, 0, 4, 256 << 20, 64 << 20),
        new(4096, 512, 4, Compression.Lz4, 0, 1 << 10, 1, 4 << 10, 1 << 10),
        new(8192, 256, 16, Compression.None, 20, 2 << 10, 3, 4 << 10, 2 << 10),
    ];

    /// <summary>The most ops a generated case holds: 90 drawn, plus the inserted flush and reopen.</summary>
    public const int MaxOps = 92;

    private static readonly string[] Positions = ["first", "last", "seek", "seekforprev"];

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

    /// <summary>
    /// A case: an option set drawn from <paramref name="optionSets"/> (all when null) and 0..90 random ops, with a
    /// flush and a reopen inserted at random places, so every case crosses a flush and a recovery.
    /// </summary>
    public static ModelCase Case(Random rng, IReadOnlyList<int>? optionSets = null)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int set = optionSets is { Count: > 0 } ? optionSets[rng.Next(optionSets.Count)] : rng.Next(OptionSets.Count);
        int n = rng.Next(0, 91);
        var ops = new List<ModelOp>(n + 2);
        for (int i = 0; i < n; i++)
        {
            ops.Add(Op(rng));
        }
        ops.Insert(rng.Next(0, n + 1), new FlushOp());
        ops.Insert(rng.Next(0, n + 2), new ReopenOp());
        return new ModelCase(set, [.. ops]);
    }

    /// <summary>One random op, weighted towards writes, reads and iterator walks.</summary>
    public static ModelOp Op(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int roll = rng.Next(85); // weights: put 30, del 8, delrange 5, batch 6, get 14, snap 3, release 2, iter 12, flush 3, reopen 2
        return roll switch
        {
            < 30 => Put(rng, Mode(rng)),
            < 38 => new DeleteOp(Key(rng), Mode(rng)),
            < 43 => DeleteRange(rng, Mode(rng)),
            < 49 => Batch(rng),
            < 63 => new GetOp(Key(rng), SnapshotRef(rng)),
            < 66 => new SnapshotOp(),
            < 68 => new ReleaseOp(rng.Next(0, 8)),
            < 80 => Iter(rng),
            < 83 => new FlushOp(),
            _ => new ReopenOp(),
        };
    }

    private static byte[] Key(Random rng) => Keys[rng.Next(Keys.Count)];

    private static WriteMode Mode(Random rng) => rng.Next(10) switch { 0 => WriteMode.Sync, 1 => WriteMode.NoWal, _ => WriteMode.Plain };

    // Large values span blocks and fill the tiny memtables quickly.
    private static byte[] Value(Random rng)
    {
        if (rng.Next(10) == 0)
        {
            byte[] large = new byte[rng.Next(300, 3001)];
            Array.Fill(large, (byte)rng.Next(256));
            return large;
        }
        byte[] small = new byte[rng.Next(0, 13)];
        rng.NextBytes(small);
        return small;
    }

    private static PutOp Put(Random rng, WriteMode mode) => new(Key(rng), Value(rng), mode);

    private static DeleteRangeOp DeleteRange(Random rng, WriteMode mode)
    {
        byte[] a = Key(rng), b = Key(rng);
        bool ordered = ByteComparer.Instance.Compare(a, b) <= 0;
        return new DeleteRangeOp(ordered ? a : b, ordered ? b : a, mode);
    }

    /// <summary>0..6 puts, deletes and range deletes (5:2:1) in one batch; the items carry no mode of their own.</summary>
    private static BatchOp Batch(Random rng)
    {
        var items = new ModelOp[rng.Next(0, 7)];
        for (int i = 0; i < items.Length; i++)
        {
            int roll = rng.Next(8);
            items[i] = roll < 5 ? Put(rng, WriteMode.Plain) : roll < 7 ? new DeleteOp(Key(rng)) : DeleteRange(rng, WriteMode.Plain);
        }
        return new BatchOp(items, Mode(rng));
    }

    /// <summary>-1 (the latest state) two times in three, else a snapshot index 0..7 (taken modulo those held).</summary>
    private static int SnapshotRef(Random rng) => rng.Next(3) < 2 ? -1 : rng.Next(0, 8);

    private static IterOp Iter(Random rng)
    {
        int snapshot = SnapshotRef(rng);
        byte[]? lower = rng.Next(4) == 0 ? Key(rng) : null;
        byte[]? upper = rng.Next(4) == 0 ? Key(rng) : null;
        string position = Positions[rng.Next(Positions.Length)];
        byte[] target = Key(rng);
        char[] steps = new char[rng.Next(0, 15)];
        for (int i = 0; i < steps.Length; i++)
        {
            steps[i] = rng.Next(5) < 3 ? 'N' : 'P';
        }
        return new IterOp(snapshot, lower, upper, position, position is "seek" or "seekforprev" ? target : null, new string(steps));
    }

    /// <summary>
    /// Smaller cases than <paramref name="c"/>, most promising first: without runs of ops (halves, quarters, ...
    /// single ops), then with one batch item fewer, then with one iterator step fewer. Each candidate is strictly
    /// smaller, so a greedy walk over them ends.
    /// </summary>
    public static IEnumerable<ModelCase> Shrink(ModelCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
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
}
