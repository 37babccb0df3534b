using AimLsm.Kv;
using System.Globalization;
using System.Text;

namespace AimLsm.Testing;

/// <summary>
/// A key-value crash workload: random batches of puts, deletes and range deletes over a small key space, whose
/// values name the batch that wrote them, so a recovered database can be checked key by key against the history of
/// acknowledged batches (<see cref="CrashOracle"/> in process, <see cref="CrashHarness"/> across a SIGKILL). The
/// writing side and the checking side share it, so both agree byte for byte on keys, values and the log.
/// </summary>
/// <remarks>
/// In the expected-state log (<see cref="CrashChildContext"/>) a batch is the text <c>sync|nosync &lt;ops&gt;</c>
/// (<see cref="PendingText"/>), logged before <see cref="Db.Write"/> and acknowledged after it returns. Ops are
/// <c>P:key</c>, <c>D:key</c> or <c>R:begin:end</c>.
/// </remarks>
public static class CrashWorkload
{
    /// <summary>Keys in the workload's key space: small enough that batches overwrite each other often.</summary>
    public const int KeySpace = 1000;

    /// <summary>The key with index <paramref name="i"/>.</summary>
    public static string Key(int i) => "k" + i.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>
    /// The value batch <paramref name="batchId"/> puts at <paramref name="key"/>: it names both, plus padding whose
    /// length and letter also derive from them, so a value from nowhere (or a torn one) never passes for a real one.
    /// </summary>
    public static byte[] Value(long batchId, string key)
    {
        int keySum = 0; // not string.GetHashCode: that is randomized per process, and parent and child must agree
        foreach (char c in key)
        {
            keySum = keySum * 7 + c;
        }
        int pad = (int)((batchId * 31 + (keySum & 0xFFFF)) % 240);
        char fill = (char)('a' + (int)(batchId % 26));
        return System.Text.Encoding.ASCII.GetBytes($"{batchId}:{key}:" + new string(fill, pad));
    }

    /// <summary>Parses the batch id back out of a value; -1 if it does not look like one of ours.</summary>
    public static long BatchIdOf(ReadOnlySpan<byte> value)
    {
        int colon = value.IndexOf((byte)':');
        return colon > 0 && long.TryParse(System.Text.Encoding.ASCII.GetString(value[..colon]), NumberStyles.None, CultureInfo.InvariantCulture, out long id) ? id : -1;
    }

    /// <summary>A random batch of 1 to 8 updates.</summary>
    public static List<CrashOp> RandomBatch(Random rng)
    {
        int n = rng.Next(1, 9);
        var ops = new List<CrashOp>(n);
        for (int i = 0; i < n; i++)
        {
            int k = rng.Next(KeySpace);
            int roll = rng.Next(100);
            if (roll < 80)
            {
                ops.Add(new CrashOp(CrashOp.Put, Key(k), null));
            }
            else if (roll < 97)
            {
                ops.Add(new CrashOp(CrashOp.Delete, Key(k), null));
            }
            else
            {
                ops.Add(new CrashOp(CrashOp.DeleteRange, Key(k), Key(Math.Min(KeySpace, k + rng.Next(1, 20)))));
            }
        }
        return ops;
    }

    /// <summary>The engine batch for <paramref name="ops"/>.</summary>
    public static WriteBatch ToBatch(long batchId, List<CrashOp> ops)
    {
        var b = new WriteBatch();
        foreach (CrashOp op in ops)
        {
            switch (op.Kind)
            {
                case CrashOp.Put:
                    b.Put(System.Text.Encoding.ASCII.GetBytes(op.Key), Value(batchId, op.Key));
                    break;
                case CrashOp.Delete:
                    b.Delete(System.Text.Encoding.ASCII.GetBytes(op.Key));
                    break;
                default:
                    b.DeleteRange(System.Text.Encoding.ASCII.GetBytes(op.Key), System.Text.Encoding.ASCII.GetBytes(op.End!));
                    break;
            }
        }
        return b;
    }

    /// <summary>Applies a batch to a model of the database (key to the batch id whose value it holds).</summary>
    public static void Apply(SortedDictionary<string, long> model, long batchId, List<CrashOp> ops)
    {
        foreach (CrashOp op in ops)
        {
            switch (op.Kind)
            {
                case CrashOp.Put:
                    model[op.Key] = batchId;
                    break;
                case CrashOp.Delete:
                    model.Remove(op.Key);
                    break;
                default:
                    foreach (string k in model.Keys.Where(k => string.CompareOrdinal(k, op.Key) >= 0 && string.CompareOrdinal(k, op.End) < 0).ToList())
                    {
                        model.Remove(k);
                    }
                    break;
            }
        }
    }

    /// <summary>The expected-state log text of a batch: <c>sync|nosync</c>, then its ops.</summary>
    public static string PendingText(bool sync, List<CrashOp> ops)
    {
        ArgumentNullException.ThrowIfNull(ops);
        var sb = new StringBuilder(sync ? "sync" : "nosync");
        foreach (CrashOp op in ops)
        {
            sb.Append(' ').Append(op.Kind).Append(':').Append(op.Key);
            if (op.End is not null)
            {
                sb.Append(':').Append(op.End);
            }
        }
        return sb.ToString();
    }

    /// <summary>Reads the ops back from what <see cref="PendingText"/> wrote.</summary>
    /// <exception cref="FormatException">The text is no batch; the message quotes it.</exception>
    public static List<CrashOp> ParseOps(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0 || fields[0] is not ("sync" or "nosync"))
        {
            throw new FormatException($"not a crash-workload batch (sync|nosync, then ops): '{text}'");
        }
        var ops = new List<CrashOp>();
        for (int i = 1; i < fields.Length; i++)
        {
            string[] parts = fields[i].Split(':');
            if (parts.Length is < 2 or > 3 || parts[0].Length != 1 || parts[0][0] is not (CrashOp.Put or CrashOp.Delete or CrashOp.DeleteRange))
            {
                throw new FormatException($"not a crash-workload op: '{fields[i]}' in '{text}'");
            }
            ops.Add(new CrashOp(parts[0][0], parts[1], parts.Length > 2 ? parts[2] : null));
        }
        return ops;
    }

    /// <summary>
    /// Options that make flushes and compactions happen within seconds, varied by <paramref name="seed"/> (buffer and
    /// block sizes, compression, bloom filter, L0 trigger), so the crash lands in different background states.
    /// </summary>
    public static DbOptions Options(int seed)
    {
        var rng = new Random(seed);
        int trigger = rng.Next(2, 5);
        return new DbOptions
        {
            CreateIfMissing = true,
            WriteBufferSize = rng.Next(16, 129) * 1024,
            BlockSize = new[] { 512, 1024, 4096 }[rng.Next(3)],
            Compression = rng.Next(2) == 0 ? Compression.None : Compression.Lz4,
            BloomFilterBitsPerKey = rng.Next(2) == 0 ? 0 : 10,
            Level0FileNumCompactionTrigger = trigger,
            Level0SlowdownWritesTrigger = trigger + 6,
            Level0StopWritesTrigger = trigger + 12,
            MaxBytesForLevelBase = 256 * 1024,
            TargetFileSizeBase = 64 * 1024,
            BlockCacheSize = 1 << 20,
            // Drawn last, so the draws above (and the seeds' earlier meaning) stay as they were: 2 to 4 memtables,
            // so a crash also lands while several frozen memtables wait for their flush.
            MaxWriteBufferNumber = rng.Next(2, 5),
        };
    }
}
