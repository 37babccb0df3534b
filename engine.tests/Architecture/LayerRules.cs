namespace AimLsm.Tests.Architecture;

/// <summary>
/// The layering of docs/architecture.md as functions over a <see cref="TypeReferenceGraph"/>, so that the same code
/// judges the real assemblies (<see cref="LayeringTests"/>) and made-up graphs that prove each rule can fail
/// (<see cref="LayerRulesTests"/>). The compiler already rejects any arrow from AimLsm.Kv up to AimLsm; these rules
/// hold what it cannot see: arrows between the folders of one assembly, and cycles among namespaces.
/// </summary>
internal static class LayerRules
{
    /// <summary>A part of the code, by namespace (<see cref="LayerOf"/>).</summary>
    public enum Layer
    {
        Common,
        IO,
        Engine,
        Encoding,
        TreeStorage,
        Tree,
        Query,
        Streaming,
        Remote,
    }

    /// <summary>
    /// What Streaming may use of Tree's storage folder: the seam (a lease, and blob keys and reads through it). The
    /// rest of <c>AimLsm.Tree.Storage</c> (slots, handles, read scopes, the key layout) stays behind it.
    /// </summary>
    public static readonly IReadOnlySet<string> StorageSeam = new HashSet<string>(StringComparer.Ordinal)
    {
        "AimLsm.Tree.Storage.StoreLease",
        "AimLsm.Tree.Storage.BlobReader",
        "AimLsm.Tree.Storage.BlobKey",
        "AimLsm.Tree.Storage.SequenceBlobs",
    };

    /// <summary>The layer of a namespace; throws for a namespace no layer claims (add it to docs/architecture.md and here).</summary>
    public static Layer LayerOf(string ns) => ns switch
    {
        "AimLsm.Kv.Common" => Layer.Common,
        "AimLsm.Kv.IO" => Layer.IO,
        "AimLsm.Kv" => Layer.Engine,
        _ when ns.StartsWith("AimLsm.Kv.", StringComparison.Ordinal) => Layer.Engine,
        _ when Within(ns, "AimLsm.Encoding") => Layer.Encoding,
        _ when Within(ns, "AimLsm.Tree.Storage") => Layer.TreeStorage,
        _ when Within(ns, "AimLsm.Tree") => Layer.Tree,
        _ when Within(ns, "AimLsm.Query") => Layer.Query,
        _ when Within(ns, "AimLsm.Streaming") => Layer.Streaming,
        _ when Within(ns, "AimLsm.Remote") => Layer.Remote,
        _ => throw new InvalidOperationException($"namespace {ns} has no layer: add it to docs/architecture.md and to LayerRules"),
    };

    /// <summary>The namespace of <paramref name="type"/>: as the graph read it, else the part before its last dot.</summary>
    public static string NamespaceOf(TypeReferenceGraph g, string type) =>
        g.Namespaces.TryGetValue(type, out string? ns) ? ns : type[..Math.Max(0, type.LastIndexOf('.'))];

    /// <summary>
    /// Whether <paramref name="type"/> is part of a root namespace's vocabulary. A root namespace (<c>AimLsm.Kv</c>,
    /// <c>AimLsm.Query</c>, <c>AimLsm.Tree</c>) holds two things: its layer's entry points (<c>Db</c>, <c>AimQuery</c>,
    /// <c>Repo</c>), which reference the parts below them, and the vocabulary those parts share (the exceptions they
    /// throw, the enums and options they are configured with, the interfaces they evaluate over). The cycle check
    /// gives the vocabulary a node of its own, <c>namespace (vocabulary)</c>, and <see cref="VocabularyArrows"/> holds
    /// it to being a leaf of its layer; Streaming may let the engine's vocabulary pass through (an engine error
    /// reaching a stream's caller).
    /// </summary>
    public delegate bool IsVocabulary(string type);

    /// <summary>
    /// For each layer, the rule's text and which references it forbids: <c>Forbidden(target, targetLayer)</c> for a
    /// referenced type of ours and its layer.
    /// </summary>
    public static IEnumerable<(Layer From, Func<string, Layer, bool> Forbidden, string Rule)> Rules(IsVocabulary vocabulary)
    {
        // Leaves depend on nothing of ours: Common is the bottom of AimLsm.Kv, IO sits on Common alone.
        yield return (Layer.Common, (_, to) => to != Layer.Common, "Common references nothing of ours");
        yield return (Layer.IO, (_, to) => to is not (Layer.Common or Layer.IO), "IO references only Common");

        // The key-value engine knows bytes, not runs (the compiler holds this across the assemblies; kept so a
        // fabricated graph shows the rule, and so that moving a folder between the assemblies cannot lose it).
        yield return (Layer.Engine, (_, to) => to is not (Layer.Common or Layer.IO or Layer.Engine),
            "the engine references only Common, IO and itself (never Tree, Query or Streaming)");

        // Encoding is Aim's value and path format: pure functions over bytes, below everything in AimLsm.
        yield return (Layer.Encoding, (_, to) => to is not (Layer.Common or Layer.Encoding),
            "Encoding references only AimLsm.Kv.Common and itself (never Tree, its storage, Query, Streaming or the engine)");

        // Query evaluates over the interfaces it defines (IQueryRun, IQuerySequence, IQuerySource); Tree implements them.
        yield return (Layer.Query, (_, to) => to is not (Layer.Common or Layer.Encoding or Layer.Query),
            "Query references only AimLsm.Kv.Common, Encoding and itself (never Tree, Repo, its storage, Streaming or Db)");

        // Tree sits below Streaming: the stream format reads runs, runs know nothing of streams.
        yield return (Layer.Tree, (_, to) => to is Layer.Streaming or Layer.Remote, "Tree never references Streaming or Remote");
        yield return (Layer.TreeStorage, (_, to) => to is Layer.Streaming or Layer.Query or Layer.Remote,
            "Tree's storage references neither Streaming, Query nor Remote");

        // Remote tracking sits on top of Tree (its client is another back end of the same API, its server applies
        // batches through Tree's tracking path), and its reads on top of Query (a query is compiled before it is sent)
        // and Streaming (the server's streams are decoded by AimStreamReader): no rule holds it from those, and
        // nothing below references it. It never reaches below Tree into the engine's files.
        yield return (Layer.Remote, (_, to) => to is Layer.IO, "Remote never touches IO (its spool is a Db, opened through the engine)");

        // Streaming reads through Tree's storage seam only: never the engine (Db, Iterator, WriteBatch, ReadOptions,
        // ...) or its files, never a storage key. Of AimLsm.Kv it may see Common and the vocabulary (an engine error
        // passes through a stream to its caller).
        yield return (Layer.Streaming, (target, to) => to switch
            {
                Layer.IO => true,
                Layer.Remote => true,
                Layer.Engine => !vocabulary(target),
                Layer.TreeStorage => !StorageSeam.Contains(target),
                _ => false,
            },
            "Streaming never touches the engine (Db, ReadOptions, ...), IO or Remote, and of Tree's storage only the seam (StoreLease, BlobReader, BlobKey, SequenceBlobs)");
    }

    /// <summary>Every reference in <paramref name="g"/> that breaks a rule, as <c>from -> to: breaks "rule"</c>.</summary>
    public static List<string> WrongWayReferences(TypeReferenceGraph g, IsVocabulary vocabulary)
    {
        var broken = new List<string>();
        foreach ((Layer from, Func<string, Layer, bool> forbidden, string rule) in Rules(vocabulary))
        {
            foreach (string type in TypesOf(g, from))
            {
                foreach (string to in g.ReferencesOf(type).Order(StringComparer.Ordinal))
                {
                    if (forbidden(to, LayerOf(NamespaceOf(g, to))))
                        broken.Add($"{type} -> {to}: breaks \"{rule}\"");
                }
            }
        }

        return broken;
    }

    /// <summary>
    /// The namespace cycles among the types of <paramref name="layers"/>, one node per namespace (a root namespace's
    /// vocabulary is a node of its own, <see cref="NodeOf"/>); each cycle listed with the type references that make
    /// its arrows. References in <paramref name="exempt"/> are left out (each one is a known arrow with its way out).
    /// </summary>
    public static List<string> NamespaceCycles(TypeReferenceGraph g, IsVocabulary vocabulary, IReadOnlySet<(string From, string To)> exempt,
        params Layer[] layers)
    {
        string Node(string type) => NodeOf(g, vocabulary, type);
        bool Inside(string type) => layers.Contains(LayerOf(NamespaceOf(g, type)));

        var edges = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.Ordinal);
        foreach (string type in g.Namespaces.Keys.Where(Inside).Order(StringComparer.Ordinal))
        {
            string from = Node(type);
            foreach (string to in g.ReferencesOf(type).Where(Inside).Order(StringComparer.Ordinal))
            {
                string target = Node(to);
                if (target == from || exempt.Contains((type, to)))
                    continue;
                Dictionary<string, List<string>> byTarget = edges.TryGetValue(from, out var d) ? d : edges[from] = new(StringComparer.Ordinal);
                (byTarget.TryGetValue(target, out var why) ? why : byTarget[target] = []).Add($"{type} -> {to}");
            }
        }

        var cycles = new List<string>();
        foreach (List<string> component in StronglyConnected(edges).Where(c => c.Count > 1))
        {
            var inside = new HashSet<string>(component, StringComparer.Ordinal);
            IEnumerable<string> arrows = component.Order(StringComparer.Ordinal).SelectMany(from => edges.TryGetValue(from, out var d)
                ? d.Where(e => inside.Contains(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal)
                    .SelectMany(e => e.Value.Select(r => $"  {from} -> {e.Key}: {r}"))
                : []);
            cycles.Add($"cycle among {string.Join(", ", component.Order(StringComparer.Ordinal))}:\n{string.Join('\n', arrows)}");
        }

        return cycles;
    }

    /// <summary>The references from a vocabulary type to a type of its own layer outside the vocabulary (there must be none).</summary>
    public static List<string> VocabularyArrows(TypeReferenceGraph g, IsVocabulary vocabulary) =>
        g.Namespaces.Keys.Where(t => vocabulary(t)).Order(StringComparer.Ordinal)
            .SelectMany(t => g.ReferencesOf(t)
                .Where(to => LayerOf(NamespaceOf(g, to)) == LayerOf(NamespaceOf(g, t)) && !vocabulary(to))
                .Order(StringComparer.Ordinal)
                .Select(to => $"{t} -> {to}"))
            .ToList();

    /// <summary>The cycle check's node of <paramref name="type"/>: its namespace, or its namespace's vocabulary node.</summary>
    public static string NodeOf(TypeReferenceGraph g, IsVocabulary vocabulary, string type) =>
        vocabulary(type) ? NamespaceOf(g, type) + " (vocabulary)" : NamespaceOf(g, type);

    /// <summary>The types of <paramref name="layer"/>, in name order.</summary>
    public static IEnumerable<string> TypesOf(TypeReferenceGraph g, Layer layer) =>
        g.Namespaces.Where(p => LayerOf(p.Value) == layer).Select(p => p.Key).Order(StringComparer.Ordinal);

    private static bool Within(string ns, string root) =>
        ns == root || (ns.StartsWith(root, StringComparison.Ordinal) && ns[root.Length] == '.');

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
}
