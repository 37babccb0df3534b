using AimLsm.Kv;
namespace AimLsm.Tests.Architecture;

/// <summary>
/// The layering of docs/architecture.md, checked type by type over the compiled AimLsm assembly (every reference
/// the metadata and IL hold, see <see cref="TypeReferenceGraph"/>). Today one assembly holds both layers, so
/// nothing else stops an arrow the wrong way; after the split into AimLsm.Kv and AimLsm the compiler rejects the
/// upward arrows between them and this test keeps the ones inside each assembly.
/// </summary>
/// <remarks>
/// Written over System.Reflection.Metadata rather than NetArchTest.Rules: NetArchTest (1.3.2, built on Mono.Cecil)
/// checks one rule at a time over namespaces and cannot express "no cycle among these namespaces" or an allow-list
/// of single type-to-type references, and the metadata reader ships with the runtime, so no package is added.
/// What IL cannot show: a <c>const</c> is copied into the code that uses it and a <c>nameof</c> or
/// <c>&lt;see cref&gt;</c> leaves no reference, so such a use is invisible here (it is harmless to the split: the
/// compiler sees it).
/// </remarks>
public class LayeringTests
{
    private static readonly Lazy<TypeReferenceGraph> Graph = new(() => TypeReferenceGraph.Load(typeof(Db).Assembly.Location, typeof(AimLsm.Tree.Repo).Assembly.Location));

    /// <summary>
    /// References that break a rule today and are left for the assembly split because the file they live in is
    /// being changed by someone else, or needs a seam that does not exist yet. Each one names its way out; the
    /// list only shrinks (<see cref="AllowList_NamesOnlyReferencesThatStillExist"/> fails on an entry that is gone).
    /// </summary>
    private static readonly AllowedReference[] AllowList =
    [
        // Streaming reads blob values from the engine itself and builds their storage keys (issue 16: "Streaming
        // builds storage keys and reads the engine itself"). Way out: a blob read on Tree's storage seam
        // (engine/AimLsm/Tree/Storage, keyed by run, sequence, step and field path) that the stream writer calls with a
        // lease; engine/AimLsm/Tree/Storage is being reworked in parallel with this change, so the seam comes with the split.
        new("AimLsm.Streaming.AimStreamWriter", "AimLsm.Kv.Db", "blob read through lease.Db (AimStreamWriter.Blobs.cs)"),
        new("AimLsm.Streaming.AimStreamWriter", "AimLsm.Kv.ReadOptions", "blob read through lease.Db (AimStreamWriter.Blobs.cs)"),
        new("AimLsm.Streaming.ObjectPreparer", "AimLsm.Kv.Db", "blob read through lease.Db"),
        new("AimLsm.Streaming.ObjectPreparer", "AimLsm.Kv.ReadOptions", "blob read through lease.Db"),
        new("AimLsm.Streaming.ObjectPreparer", "AimLsm.Tree.Storage.RepoKeys", "builds a blob's storage key"),
        new("AimLsm.Streaming.BlobUri", "AimLsm.Tree.Storage.RepoKeys", "maps a blob URI to and from its storage key"),
    ];

    private enum Layer
    {
        Common,
        IO,
        Engine,
        Encoding,
        TreeStorage,
        Tree,
        Query,
        Streaming,
    }

    /// <summary>The rules: for each layer, the layers (or single types) of ours it must not reference.</summary>
    private static IEnumerable<(Layer From, Func<string, bool> Forbidden, string Rule)> Rules()
    {
        static bool Of(string type, params Layer[] layers) => layers.Contains(LayerOf(NamespaceOf(type)));

        // Leaves depend on nothing of ours: Common is the bottom of AimLsm.Kv, IO sits on Common alone.
        yield return (Layer.Common, t => !Of(t, Layer.Common), "Common references nothing of ours");
        yield return (Layer.IO, t => !Of(t, Layer.Common, Layer.IO), "IO references only Common");

        // The key-value engine (AimLsm.Kv-to-be) knows bytes, not runs.
        yield return (Layer.Engine, t => !Of(t, Layer.Common, Layer.IO, Layer.Engine),
            "the engine references only Common, IO and itself (never Tree, Query or Streaming)");

        // Encoding is Aim's value and path format: pure functions over bytes, below everything in AimLsm.
        yield return (Layer.Encoding, t => !Of(t, Layer.Common, Layer.Encoding),
            "Encoding references only Common and itself (never Tree, its storage, Query, Streaming or the engine)");

        // Query evaluates over the interfaces it defines (IQueryRun, IQuerySequence); Tree implements them.
        yield return (Layer.Query, t => !Of(t, Layer.Common, Layer.Encoding, Layer.Query),
            "Query references only Common, Encoding and itself (never Tree, Repo, Slot, its storage or Db)");

        // Streaming reads through Tree's storage seam (leases), never the engine, and never builds storage keys.
        yield return (Layer.Streaming, t => Of(t, Layer.IO, Layer.Engine) || t == "AimLsm.Tree.Storage.RepoKeys",
            "Streaming never touches the engine (Db, Iterator, WriteBatch, ...) or its files, and builds no storage keys (RepoKeys)");
    }

    [Fact]
    public void EveryType_FollowsTheLayerRules()
    {
        TypeReferenceGraph g = Graph.Value;
        var broken = new List<string>();
        foreach ((Layer from, Func<string, bool> forbidden, string rule) in Rules())
        {
            foreach (string type in TypesOf(g, from))
            {
                foreach (string to in g.ReferencesOf(type).Where(forbidden).Order(StringComparer.Ordinal))
                {
                    if (!IsAllowed(type, to))
                        broken.Add($"{type} -> {to}: breaks \"{rule}\"");
                }
            }
        }

        Assert.True(broken.Count == 0, "Wrong-way references (docs/architecture.md):\n" + string.Join('\n', broken));
    }

    [Fact]
    public void EngineNamespaces_FormNoCycle()
    {
        TypeReferenceGraph g = Graph.Value;
        // Node per namespace, except that the root namespace's errors and enums (engine/AimLsm.Kv/Errors, Compression,
        // WalRecoveryMode, ...) form a node of their own: they are the vocabulary every part of the engine throws
        // or is configured with, they move to their own namespaces in the split, and the next test holds them
        // to being leaves, so no cycle can run through them.
        var edges = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.Ordinal);
        foreach (string type in TypesOf(g, Layer.Engine))
        {
            string from = EngineNode(g, type);
            foreach (string to in g.ReferencesOf(type).Where(t => LayerOf(NamespaceOf(t)) == Layer.Engine))
            {
                string target = EngineNode(g, to);
                if (target == from || IsAllowed(type, to))
                    continue;
                Dictionary<string, List<string>> byTarget = edges.TryGetValue(from, out var d) ? d : edges[from] = new(StringComparer.Ordinal);
                (byTarget.TryGetValue(target, out var why) ? why : byTarget[target] = []).Add($"{type} -> {to}");
            }
        }

        var cycles = new List<string>();
        foreach (List<string> component in StronglyConnected(edges).Where(c => c.Count > 1))
        {
            var inside = new HashSet<string>(component, StringComparer.Ordinal);
            IEnumerable<string> arrows = component.SelectMany(from => edges.TryGetValue(from, out var d)
                ? d.Where(e => inside.Contains(e.Key)).SelectMany(e => e.Value.Select(r => $"  {from} -> {e.Key}: {r}"))
                : []);
            cycles.Add($"cycle among {string.Join(", ", component.Order(StringComparer.Ordinal))}:\n{string.Join('\n', arrows)}");
        }

        Assert.True(cycles.Count == 0, "Namespace cycles inside the engine:\n" + string.Join('\n', cycles));
    }

    [Fact]
    public void EngineVocabulary_IsALeaf()
    {
        TypeReferenceGraph g = Graph.Value;
        string[] vocabulary = TypesOf(g, Layer.Engine).Where(t => EngineNode(g, t) == VocabularyNode).ToArray();
        Assert.Contains("AimLsm.Kv.CorruptionException", vocabulary);
        Assert.Contains("AimLsm.Kv.Compression", vocabulary);
        Assert.DoesNotContain("AimLsm.Kv.Db", vocabulary);
        var upward = vocabulary
            .SelectMany(t => g.ReferencesOf(t).Where(to => LayerOf(NamespaceOf(to)) == Layer.Engine && EngineNode(g, to) != VocabularyNode)
                .Select(to => $"{t} -> {to}"))
            .ToList();
        Assert.True(upward.Count == 0, "The engine's errors and enums must depend on no other engine type:\n" + string.Join('\n', upward));
    }

    [Fact]
    public void AllowList_NamesOnlyReferencesThatStillExist()
    {
        TypeReferenceGraph g = Graph.Value;
        string[] stale = AllowList
            .Where(a => !g.Namespaces.ContainsKey(a.From) || !g.ReferencesOf(a.From).Contains(a.To))
            .Select(a => $"{a.From} -> {a.To} ({a.Why})")
            .ToArray();
        Assert.True(stale.Length == 0, "Allow-list entries no longer needed, remove them:\n" + string.Join('\n', stale));
    }

    [Fact]
    public void Graph_SeesReferencesOfEveryKind()
    {
        // The reader must see what the rules rely on, or every rule passes vacuously: a base type, an interface,
        // a field type, a call inside a method body, a field's type through a property.
        TypeReferenceGraph g = Graph.Value;
        Assert.Contains("AimLsm.Kv.DbException", g.ReferencesOf("AimLsm.Kv.CorruptionException"));                 // base type
        Assert.Contains("AimLsm.Query.IQueryRun", g.ReferencesOf("AimLsm.Tree.Run"));                       // interface
        Assert.Contains("AimLsm.Kv.Versions.VersionSet", g.ReferencesOf("AimLsm.Kv.Db"));                      // field
        Assert.Contains("AimLsm.Kv.Common.Checksum", g.ReferencesOf("AimLsm.Kv.Wal.LogWriter"));              // call
        Assert.Contains("AimLsm.Kv.Memtable.MemTable", g.ReferencesOf("AimLsm.Kv.SuperVersion"));
        Assert.DoesNotContain("AimLsm.Tree.Repo", g.ReferencesOf("AimLsm.Kv.Wal.LogWriter"));
        Assert.All(g.Namespaces.Values, ns => Assert.True(ns == "AimLsm" || ns.StartsWith("AimLsm.", StringComparison.Ordinal)));
        Assert.True(g.Namespaces.Count > 200, $"only {g.Namespaces.Count} types read");
    }

    private const string VocabularyNode = "AimLsm.Kv (errors and enums)";

    private static string NamespaceOf(string type) => Graph.Value.Namespaces[type];

    private static Layer LayerOf(string ns) => ns switch
    {
        "AimLsm.Kv.Common" => Layer.Common,
        "AimLsm.Kv.IO" => Layer.IO,
        _ when ns.StartsWith("AimLsm.Kv", StringComparison.Ordinal) => Layer.Engine,
        _ when ns.StartsWith("AimLsm.Encoding", StringComparison.Ordinal) => Layer.Encoding,
        _ when ns.StartsWith("AimLsm.Tree.Storage", StringComparison.Ordinal) => Layer.TreeStorage,
        _ when ns.StartsWith("AimLsm.Tree", StringComparison.Ordinal) => Layer.Tree,
        _ when ns.StartsWith("AimLsm.Query", StringComparison.Ordinal) => Layer.Query,
        _ when ns.StartsWith("AimLsm.Streaming", StringComparison.Ordinal) => Layer.Streaming,
        _ => throw new InvalidOperationException($"namespace {ns} has no layer: add it to docs/architecture.md and here"),
    };

    private static IEnumerable<string> TypesOf(TypeReferenceGraph g, Layer layer) =>
        g.Namespaces.Where(p => LayerOf(p.Value) == layer).Select(p => p.Key).Order(StringComparer.Ordinal);

    /// <summary>The cycle check's node for an engine type: its namespace, or the vocabulary node (see above).</summary>
    private static string EngineNode(TypeReferenceGraph g, string type)
    {
        string ns = g.Namespaces[type];
        if (ns != "AimLsm.Kv")
            return ns;
        Type? t = typeof(Db).Assembly.GetType(type);
        return t is not null && (t.IsEnum || typeof(Exception).IsAssignableFrom(t)) ? VocabularyNode : ns;
    }

    private static bool IsAllowed(string from, string to) => AllowList.Any(a => a.From == from && a.To == to);

    /// <summary>Tarjan's strongly connected components.</summary>
    private static List<List<string>> StronglyConnected(Dictionary<string, Dictionary<string, List<string>>> edges)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<List<string>>();

        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (string w in edges.TryGetValue(v, out var d) ? d.Keys : Enumerable.Empty<string>())
            {
                if (index.TryGetValue(w, out int wIndex))
                {
                    if (onStack.Contains(w))
                        low[v] = Math.Min(low[v], wIndex);
                }
                else
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                result.Add(component);
            }
        }

        foreach (string v in edges.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(v))
                Visit(v);
        }

        return result;
    }

    private sealed record AllowedReference(string From, string To, string Why);
}
