using AimLsm.Kv;
using System.Text;

namespace AimLsm.Testing;

/// <summary>
/// The in-process expected-state oracle for one writer (RocksDB's expected state, simplified to one writer's
/// history): the state the writer started from and the batches it issued, in order. After a crash it finds the
/// prefix of that history the database recovered, if there is one. Used with <see cref="CrashWorkload"/> and a
/// <see cref="FaultInjectionFileSystem"/>: writers issue batches, the power goes, the database reopens, and
/// <see cref="FindPrefix(Db)"/> must find a prefix at least <see cref="DurablePrefix"/> long.
/// </summary>
/// <remarks>
/// One oracle per writer; <see cref="Issue"/> takes a lock, so the writer may run on a thread of its own. The queries
/// (<see cref="DurablePrefix"/>, <see cref="FindPrefix(Db)"/>, ...) are for after the writers stopped.
/// </remarks>
/// <param name="keyPrefix">The writer's keys all start with it (writers own disjoint keys); "" for one writer.</param>
/// <param name="start">The state the writer starts from (key to the batch id whose value it holds).</param>
public sealed class CrashOracle(string keyPrefix, SortedDictionary<string, long> start)
{
    private readonly List<OracleBatch> _history = [];

    /// <summary>An oracle for the only writer of a new, empty database.</summary>
    public CrashOracle()
        : this("", new SortedDictionary<string, long>(StringComparer.Ordinal))
    {
    }

    /// <summary>The prefix of this writer's keys.</summary>
    public string KeyPrefix => keyPrefix;

    /// <summary>The state the history starts from.</summary>
    public SortedDictionary<string, long> Start { get; private set; } = start;

    /// <summary>The batches issued since <see cref="Start"/>, in order.</summary>
    public IReadOnlyList<OracleBatch> History => _history;

    /// <summary>Records a batch about to be written; set <see cref="OracleBatch.Acked"/> once the write returned.</summary>
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

    /// <summary>
    /// Reads <paramref name="db"/> (holding this writer's keys only) and returns the length of the history prefix it
    /// holds, at least <see cref="DurablePrefix"/> long; -1 when none matches: a lost synced write, a hole, a batch
    /// applied in part, or a foreign value.
    /// </summary>
    /// <exception cref="ExpectedStateException">A key holds a value no batch of the workload wrote, or lies outside <see cref="KeyPrefix"/>.</exception>
    public int FindPrefix(Db db) => FindPrefix(ReadAll(db, [KeyPrefix])[KeyPrefix], DurablePrefix());

    /// <summary>Starts a new history from the recovered state.</summary>
    public void Rebase(SortedDictionary<string, long> recovered)
    {
        Start = recovered;
        _history.Clear();
    }

    /// <summary>Whether two states hold the same keys from the same batches.</summary>
    public static bool Same(SortedDictionary<string, long> a, SortedDictionary<string, long> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out long v) && v == kv.Value);

    /// <summary>A batch of the shared workload with keys moved under <see cref="KeyPrefix"/> (writers own disjoint keys).</summary>
    public List<CrashOp> RandomBatch(Random rng) =>
        CrashWorkload.RandomBatch(rng).Select(o => o with { Key = keyPrefix + o.Key, End = o.End is null ? null : keyPrefix + o.End }).ToList();

    /// <summary>Reads the whole database by iteration, checking every value is one the workload wrote, split by writer prefix.</summary>
    /// <exception cref="ExpectedStateException">A key holds a value no batch of the workload wrote.</exception>
    public static Dictionary<string, SortedDictionary<string, long>> ReadAll(Db db, IEnumerable<string> prefixes)
    {
        ArgumentNullException.ThrowIfNull(db);
        var result = prefixes.ToDictionary(p => p, _ => new SortedDictionary<string, long>(StringComparer.Ordinal));
        using Iterator it = db.NewIterator();
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            string key = System.Text.Encoding.ASCII.GetString(it.Key);
            long id = CrashWorkload.BatchIdOf(it.Value);
            if (id <= 0 || !it.Value.SequenceEqual(CrashWorkload.Value(id, key)))
            {
                throw new ExpectedStateException($"key {key} holds a value no batch wrote: '{System.Text.Encoding.ASCII.GetString(it.Value)}'");
            }
            string prefix = result.Keys.SingleOrDefault(p => key.StartsWith(p, StringComparison.Ordinal))
                ?? throw new ExpectedStateException($"key {key} belongs to none of the writers {string.Join(", ", result.Keys)}");
            result[prefix][key] = id;
        }
        return result;
    }

    /// <summary>One line on the history and the recovered state, for a failure message.</summary>
    public string Describe(SortedDictionary<string, long> actual)
    {
        var sb = new StringBuilder();
        sb.Append($"writer {keyPrefix}: {_history.Count} batches issued, {AckedPrefix()} acked, durable prefix {DurablePrefix()}; ");
        var ids = actual.Values.Distinct().Order().ToList();
        sb.Append($"recovered {actual.Count} keys from batches {string.Join(",", ids.TakeLast(8))}");
        return sb.ToString();
    }
}
