using AimLsm.Kv;
using System.Text;
using AimLsm.CrashChild;

namespace AimLsm.Tests.Crash;

/// <summary>One writer's batch as the oracle saw it: logged before the write, acknowledged after it returned.</summary>
internal sealed class OracleBatch(long id, List<CrashOp> ops, bool sync)
{
    public long Id { get; } = id;

    public List<CrashOp> Ops { get; } = ops;

    public bool Sync { get; } = sync;

    public bool Acked { get; set; }
}

/// <summary>
/// The in-process expected-state oracle for one writer (RocksDB's expected state, simplified to one writer's
/// history): the state the writer started from and the batches it issued, in order. After a crash it finds the
/// prefix of that history the database recovered, if there is one.
/// </summary>
internal sealed class CrashOracle(string keyPrefix, SortedDictionary<string, long> start)
{
    private readonly List<OracleBatch> _history = [];

    public string KeyPrefix => keyPrefix;

    public SortedDictionary<string, long> Start { get; private set; } = start;

    public IReadOnlyList<OracleBatch> History => _history;

    public OracleBatch Issue(long id, List<CrashOp> ops, bool sync)
    {
        var b = new OracleBatch(id, ops, sync);
        lock (_history)
        {
            _history.Add(b);
        }
        return b;
    }

    /// <summary>Batches that must survive a power loss: up to and including the last acknowledged synced one.</summary>
    public int DurablePrefix()
    {
        int n = 0;
        for (int i = 0; i < _history.Count; i++)
        {
            if (_history[i].Acked && _history[i].Sync)
            {
                n = i + 1;
            }
        }
        return n;
    }

    /// <summary>Batches that must survive a process crash: every acknowledged one.</summary>
    public int AckedPrefix()
    {
        int n = 0;
        for (int i = 0; i < _history.Count; i++)
        {
            if (_history[i].Acked)
            {
                n = i + 1;
            }
        }
        return n;
    }

    /// <summary>
    /// The length of the history prefix, at least <paramref name="atLeast"/>, whose state equals
    /// <paramref name="actual"/>; -1 when none does (a lost synced write, a hole, a partial batch or a foreign value).
    /// </summary>
    public int FindPrefix(SortedDictionary<string, long> actual, int atLeast)
    {
        var state = new SortedDictionary<string, long>(Start, StringComparer.Ordinal);
        for (int i = 0; i < _history.Count + 1; i++)
        {
            if (i >= atLeast && Same(state, actual))
            {
                return i;
            }
            if (i < _history.Count)
            {
                CrashWorkload.Apply(state, _history[i].Id, _history[i].Ops);
            }
        }
        return -1;
    }

    /// <summary>Starts a new history from the recovered state.</summary>
    public void Rebase(SortedDictionary<string, long> recovered)
    {
        Start = recovered;
        _history.Clear();
    }

    public static bool Same(SortedDictionary<string, long> a, SortedDictionary<string, long> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out long v) && v == kv.Value);

    /// <summary>A batch of the shared workload with keys moved under <see cref="KeyPrefix"/> (writers own disjoint keys).</summary>
    public List<CrashOp> RandomBatch(Random rng) =>
        CrashWorkload.RandomBatch(rng).Select(o => o with { Key = keyPrefix + o.Key, End = o.End is null ? null : keyPrefix + o.End }).ToList();

    /// <summary>Reads the whole database by iteration, checking every value is one the workload wrote, split by writer prefix.</summary>
    public static Dictionary<string, SortedDictionary<string, long>> ReadAll(Db db, IEnumerable<string> prefixes)
    {
        var result = prefixes.ToDictionary(p => p, _ => new SortedDictionary<string, long>(StringComparer.Ordinal));
        using Iterator it = db.NewIterator();
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            string key = System.Text.Encoding.ASCII.GetString(it.Key);
            long id = CrashWorkload.BatchIdOf(it.Value);
            if (id <= 0 || !it.Value.SequenceEqual(CrashWorkload.Value(id, key)))
            {
                throw new Xunit.Sdk.XunitException($"key {key} holds a value no batch wrote: '{System.Text.Encoding.ASCII.GetString(it.Value)}'");
            }
            string prefix = result.Keys.Single(p => key.StartsWith(p, StringComparison.Ordinal));
            result[prefix][key] = id;
        }
        return result;
    }

    public string Describe(SortedDictionary<string, long> actual)
    {
        var sb = new StringBuilder();
        sb.Append($"writer {keyPrefix}: {_history.Count} batches issued, {AckedPrefix()} acked, durable prefix {DurablePrefix()}; ");
        var ids = actual.Values.Distinct().Order().ToList();
        sb.Append($"recovered {actual.Count} keys from batches {string.Join(",", ids.TakeLast(8))}");
        return sb.ToString();
    }
}
