using AimLsm.Query.Runtime;

namespace AimLsm.Query.Compilation;

/// <summary>
/// The most recently used compiled queries, keyed by text, kind and the options that shape compiled code (Aim keeps an
/// LRU of 100). Compiling a query costs milliseconds; a repeated query (a UI polling, the same search per page)
/// costs a dictionary lookup. Failed compilations are not cached. Thread-safe (one lock around a small LRU).
/// </summary>
internal sealed class QueryCache
{
    private readonly int _capacity;
    private readonly Dictionary<Key, LinkedListNode<(Key Key, CompiledQuery Query)>> _map = [];
    private readonly LinkedList<(Key Key, CompiledQuery Query)> _order = new();
    private readonly Lock _lock = new();

    /// <summary>Creates a cache that holds at most <paramref name="capacity"/> queries.</summary>
    public QueryCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>The number of cached queries.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _map.Count;
            }
        }
    }

    /// <summary>The cached query, compiled by <paramref name="compile"/> on a miss.</summary>
    public CompiledQuery GetOrAdd(string text, bool sequenceQuery, SequenceKind? kind, CompileLimits limits, Func<CompiledQuery> compile)
    {
        var key = new Key(text, sequenceQuery, kind, limits);
        lock (_lock)
        {
            if (_map.TryGetValue(key, out LinkedListNode<(Key, CompiledQuery Query)>? node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                return node.Value.Query;
            }
        }

        // Compile outside the lock: two threads may compile the same text once each, which is harmless.
        CompiledQuery query = compile();
        lock (_lock)
        {
            if (!_map.ContainsKey(key))
            {
                _map[key] = _order.AddFirst((key, query));
                if (_map.Count > _capacity)
                {
                    _map.Remove(_order.Last!.Value.Key);
                    _order.RemoveLast();
                }
            }
        }

        return query;
    }

    /// <summary>Forgets every query.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _map.Clear();
            _order.Clear();
        }
    }

    private readonly record struct Key(string Text, bool SequenceQuery, SequenceKind? Kind, CompileLimits Limits);
}
