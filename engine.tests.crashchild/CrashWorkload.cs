using AimLsm.Kv;
using System.Globalization;
using System.Text;

namespace AimLsm.CrashChild;

/// <summary>One update of a logged batch: a put, a delete, or a range deletion [Key, End).</summary>
public readonly record struct CrashOp(char Kind, string Key, string? End)
{
    /// <summary>'P' put, 'D' delete, 'R' delete range.</summary>
    public const char Put = 'P', Delete = 'D', DeleteRange = 'R';
}

/// <summary>
/// What the crash child writes and how it logs it, shared with the parent test (which references this assembly), so
/// that both sides agree byte for byte on keys, values and the expected-state log.
/// </summary>
/// <remarks>
/// The expected-state log (RocksDB's expected-state oracle, in its simplest form): one line per event,
/// <c>pending &lt;id&gt; sync|nosync &lt;ops&gt;</c> before <see cref="Db.Write"/> and <c>ack &lt;id&gt;</c> after it
/// returns. Ops are <c>P:key</c>, <c>D:key</c> or <c>R:begin:end</c>. The child writes one batch at a time, so at most
/// the last batch is pending without an ack when the child dies.
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

    /// <summary>The "pending" line for a batch.</summary>
    public static string PendingLine(long batchId, bool sync, List<CrashOp> ops)
    {
        var sb = new StringBuilder();
        sb.Append("pending ").Append(batchId.ToString(CultureInfo.InvariantCulture)).Append(sync ? " sync" : " nosync");
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

    /// <summary>Parses the ops of a "pending" line (from its fourth field on).</summary>
    public static List<CrashOp> ParseOps(string[] fields)
    {
        var ops = new List<CrashOp>();
        for (int i = 3; i < fields.Length; i++)
        {
            string[] parts = fields[i].Split(':');
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
        };
    }
}
