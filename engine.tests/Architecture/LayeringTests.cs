using AimLsm.Kv;
using static AimLsm.Tests.Architecture.LayerRules;

namespace AimLsm.Tests.Architecture;

/// <summary>
/// The layering of docs/architecture.md (<see cref="LayerRules"/>), checked type by type over the compiled AimLsm.Kv
/// and AimLsm assemblies (every reference the metadata and IL hold, see <see cref="TypeReferenceGraph"/>). The
/// compiler rejects an arrow from AimLsm.Kv up to AimLsm; this test holds the arrows inside each assembly and the
/// absence of namespace cycles. <see cref="LayerRulesTests"/> proves each rule can fail.
/// </summary>
/// <remarks>
/// Written over System.Reflection.Metadata rather than NetArchTest.Rules: NetArchTest (1.3.2, built on Mono.Cecil)
/// checks one rule at a time over namespaces and cannot express "no cycle among these namespaces", and the metadata
/// reader ships with the runtime, so no package is added. What IL cannot show: a <c>const</c> is copied into the code
/// that uses it and a <c>nameof</c> or <c>&lt;see cref&gt;</c> leaves no reference, so such a use is invisible here.
/// The layer rules have no exceptions (the last ones, Streaming's blob reads through <c>lease.Db</c> and
/// <c>RepoKeys</c>, went behind Tree's storage seam). The cycle check has <see cref="CycleExemptions"/>, each with
/// its way out; it only shrinks.
/// </remarks>
public class LayeringTests
{
    private static readonly Lazy<TypeReferenceGraph> Graph = new(() =>
        TypeReferenceGraph.Load(typeof(Db).Assembly.Location, typeof(AimLsm.Tree.Repo).Assembly.Location));

    /// <summary>
    /// References left out of the cycle check, each a known arrow with its way out
    /// (<see cref="Cycle_exemptions_name_only_references_that_still_exist"/> fails once one is gone).
    /// </summary>
    private static readonly (string From, string To, string Why)[] CycleExemptions =
    [
    ];

    /// <summary>
    /// Value types of a root namespace that its parts share, besides its exceptions, enums and interfaces (see
    /// <see cref="LayerRules.IsVocabulary"/>); each must stay a leaf of its layer.
    /// </summary>
    private static readonly HashSet<string> SharedValues = new(StringComparer.Ordinal)
    {
        "AimLsm.Query.QueryOptions",   // read by the compiler and the runtime (limits, budgets, clock)
        "AimLsm.Query.QueryReport",    // filled in by every evaluation
        "AimLsm.Query.SequenceKinds",  // the sequence variables (metric, images, ...) the binder and executor know
        "AimLsm.Query.SourceText",     // positions in a query's text, for AimQueryException's message
        "AimLsm.Tree.Context",         // a sequence's context, what the tracking and reading parts key by
        "AimLsm.Tree.SequenceData",    // the columns a sequence read fills
        "AimLsm.Tree.AimBlob",         // the marker of a value stored apart
        "AimLsm.Tree.SequenceInfo",    // a sequence's metadata, what both back ends' reads (IRunInfo.Sequences) return
    };

    private static readonly string[] RootNamespaces = ["AimLsm.Kv", "AimLsm.Query", "AimLsm.Tree"];

    /// <summary>Whether <paramref name="type"/> is in a root namespace's vocabulary: an exception, enum or interface
    /// there (read by reflection), or one of <see cref="SharedValues"/>.</summary>
    internal static bool IsVocabulary(string type)
    {
        int dot = type.LastIndexOf('.');
        if (dot < 0 || !RootNamespaces.Contains(type[..dot]))
            return false;
        if (SharedValues.Contains(type))
            return true;
        Type? t = typeof(Db).Assembly.GetType(type) ?? typeof(AimLsm.Tree.Repo).Assembly.GetType(type);
        return t is not null && (t.IsEnum || t.IsInterface || typeof(Exception).IsAssignableFrom(t));
    }

    private static IReadOnlySet<(string From, string To)> Exempt =>
        CycleExemptions.Select(e => (e.From, e.To)).ToHashSet();

    [Fact]
    public void Every_type_follows_the_layer_rules()
    {
        List<string> broken = WrongWayReferences(Graph.Value, IsVocabulary);
        Assert.True(broken.Count == 0, "Wrong-way references (docs/architecture.md):\n" + string.Join('\n', broken));
    }

    [Fact]
    public void The_engine_namespaces_form_no_cycle()
    {
        List<string> cycles = NamespaceCycles(Graph.Value, IsVocabulary, Exempt, Layer.Common, Layer.IO, Layer.Engine);
        Assert.True(cycles.Count == 0, "Namespace cycles inside AimLsm.Kv:\n" + string.Join('\n', cycles));
    }

    [Fact]
    public void The_AimLsm_namespaces_form_no_cycle()
    {
        List<string> cycles = NamespaceCycles(Graph.Value, IsVocabulary, Exempt,
            Layer.Encoding, Layer.TreeStorage, Layer.Tree, Layer.Query, Layer.Streaming, Layer.Remote);
        Assert.True(cycles.Count == 0, "Namespace cycles inside AimLsm:\n" + string.Join('\n', cycles));
    }

    [Fact]
    public void Each_vocabulary_is_a_leaf_of_its_layer()
    {
        TypeReferenceGraph g = Graph.Value;
        string[] vocabulary = g.Namespaces.Keys.Where(IsVocabulary).ToArray();
        Assert.Contains("AimLsm.Kv.CorruptionException", vocabulary);
        Assert.Contains("AimLsm.Kv.Compression", vocabulary);
        Assert.Contains("AimLsm.Query.IQueryRun", vocabulary);
        Assert.Contains("AimLsm.Tree.TrackingException", vocabulary);
        Assert.DoesNotContain("AimLsm.Kv.Db", vocabulary);
        Assert.DoesNotContain("AimLsm.Query.AimQuery", vocabulary);
        Assert.DoesNotContain("AimLsm.Tree.Repo", vocabulary);
        Assert.All(SharedValues, t => Assert.Contains(t, vocabulary));
        List<string> upward = VocabularyArrows(g, IsVocabulary);
        Assert.True(upward.Count == 0, "A vocabulary type must depend on nothing of its layer outside the vocabulary:\n" + string.Join('\n', upward));
    }

    [Fact]
    public void Cycle_exemptions_name_only_references_that_still_exist()
    {
        TypeReferenceGraph g = Graph.Value;
        string[] stale = CycleExemptions
            .Where(e => !g.Namespaces.ContainsKey(e.From) || !g.ReferencesOf(e.From).Contains(e.To))
            .Select(e => $"{e.From} -> {e.To} ({e.Why})")
            .ToArray();
        Assert.True(stale.Length == 0, "Cycle exemptions no longer needed, remove them:\n" + string.Join('\n', stale));
    }

    [Fact]
    public void Streaming_reads_blobs_through_the_storage_seam()
    {
        // The seam is in use (so the Streaming rule is not passing because blobs went elsewhere), and the seam is
        // what reaches the engine.
        TypeReferenceGraph g = Graph.Value;
        Assert.Contains("AimLsm.Tree.Storage.BlobReader", g.ReferencesOf("AimLsm.Streaming.ObjectPreparer"));
        Assert.Contains("AimLsm.Tree.Storage.BlobKey", g.ReferencesOf("AimLsm.Streaming.BlobUri"));
        Assert.Contains("AimLsm.Kv.Db", g.ReferencesOf("AimLsm.Tree.Storage.BlobReader"));
        Assert.All(StorageSeam, t => Assert.True(g.Namespaces.ContainsKey(t), $"{t}: named in LayerRules.StorageSeam but not in AimLsm"));
    }

    [Fact]
    public void The_graph_sees_references_of_every_kind()
    {
        // The reader must see what the rules rely on, or every rule passes vacuously: a base type, an interface,
        // a field type, a call inside a method body, a property's type, an arrow across the two assemblies.
        TypeReferenceGraph g = Graph.Value;
        Assert.Contains("AimLsm.Kv.DbException", g.ReferencesOf("AimLsm.Kv.CorruptionException"));        // base type
        Assert.Contains("AimLsm.Query.IQueryRun", g.ReferencesOf("AimLsm.Tree.Run"));                      // interface
        Assert.Contains("AimLsm.Query.IQuerySource`2", g.ReferencesOf("AimLsm.Tree.Repo"));               // generic interface
        Assert.Contains("AimLsm.Kv.Versions.VersionSet", g.ReferencesOf("AimLsm.Kv.Db"));                  // field
        Assert.Contains("AimLsm.Kv.Common.Checksum", g.ReferencesOf("AimLsm.Kv.Wal.LogWriter"));           // call
        Assert.Contains("AimLsm.Kv.Memtable.MemTable", g.ReferencesOf("AimLsm.Kv.SuperVersion"));
        Assert.Contains("AimLsm.Kv.Db", g.ReferencesOf("AimLsm.Tree.Storage.StoreHandle"));                // across assemblies
        Assert.DoesNotContain("AimLsm.Tree.Repo", g.ReferencesOf("AimLsm.Kv.Wal.LogWriter"));
        Assert.All(g.Namespaces.Values, ns => Assert.True(ns == "AimLsm" || ns.StartsWith("AimLsm.", StringComparison.Ordinal)));
        Assert.All(g.Namespaces.Values, ns => LayerOf(ns)); // every namespace has a layer
        Assert.True(g.Namespaces.Count > 200, $"only {g.Namespaces.Count} types read");
    }
}
