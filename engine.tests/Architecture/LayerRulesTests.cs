using static AimLsm.Tests.Architecture.LayerRules;

namespace AimLsm.Tests.Architecture;

/// <summary>
/// Proves that each rule of <see cref="LayerRules"/> can fail: the rules run over made-up graphs
/// (<see cref="TypeReferenceGraph.FromEdges"/>) holding one wrong arrow each, and must name it; the same graphs
/// without that arrow must pass. Without these, a rule that a refactoring made vacuous would pass unnoticed over
/// the real assemblies.
/// </summary>
public class LayerRulesTests
{
    /// <summary>Types of every layer, one or two each, with the namespaces the real code gives them.</summary>
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        ["AimLsm.Kv.Common.Varint"] = "AimLsm.Kv.Common",
        ["AimLsm.Kv.IO.IFileSystem"] = "AimLsm.Kv.IO",
        ["AimLsm.Kv.Db"] = "AimLsm.Kv",
        ["AimLsm.Kv.ReadOptions"] = "AimLsm.Kv",
        ["AimLsm.Kv.CorruptionException"] = "AimLsm.Kv",
        ["AimLsm.Kv.Sst.TableReader"] = "AimLsm.Kv.Sst",
        ["AimLsm.Kv.Versions.VersionSet"] = "AimLsm.Kv.Versions",
        ["AimLsm.Encoding.TreePath"] = "AimLsm.Encoding",
        ["AimLsm.Query.AimQuery"] = "AimLsm.Query",
        ["AimLsm.Query.IQueryRun"] = "AimLsm.Query",
        ["AimLsm.Query.Syntax.Parser"] = "AimLsm.Query.Syntax",
        ["AimLsm.Query.Binding.Binder"] = "AimLsm.Query.Binding",
        ["AimLsm.Tree.Repo"] = "AimLsm.Tree",
        ["AimLsm.Tree.Run"] = "AimLsm.Tree",
        ["AimLsm.Tree.Sequences.Tracker"] = "AimLsm.Tree.Sequences",
        ["AimLsm.Tree.Storage.RepoKeys"] = "AimLsm.Tree.Storage",
        ["AimLsm.Tree.Storage.Slot"] = "AimLsm.Tree.Storage",
        ["AimLsm.Tree.Storage.StoreLease"] = "AimLsm.Tree.Storage",
        ["AimLsm.Tree.Storage.BlobReader"] = "AimLsm.Tree.Storage",
        ["AimLsm.Streaming.AimStreamWriter"] = "AimLsm.Streaming",
        ["AimLsm.Remote.TrackingServer"] = "AimLsm.Remote",
    };

    /// <summary>Arrows that every rule allows: the layer picture of docs/architecture.md in miniature.</summary>
    private static readonly (string, string)[] Legal =
    [
        ("AimLsm.Kv.IO.IFileSystem", "AimLsm.Kv.Common.Varint"),
        ("AimLsm.Kv.Db", "AimLsm.Kv.Versions.VersionSet"),
        ("AimLsm.Kv.Db", "AimLsm.Kv.IO.IFileSystem"),
        ("AimLsm.Kv.Versions.VersionSet", "AimLsm.Kv.Sst.TableReader"),
        ("AimLsm.Kv.Sst.TableReader", "AimLsm.Kv.CorruptionException"),
        ("AimLsm.Encoding.TreePath", "AimLsm.Kv.Common.Varint"),
        ("AimLsm.Query.AimQuery", "AimLsm.Query.Binding.Binder"),
        ("AimLsm.Query.Binding.Binder", "AimLsm.Query.Syntax.Parser"),
        ("AimLsm.Query.Binding.Binder", "AimLsm.Query.IQueryRun"),
        ("AimLsm.Query.IQueryRun", "AimLsm.Encoding.TreePath"),
        ("AimLsm.Tree.Run", "AimLsm.Query.IQueryRun"),
        ("AimLsm.Tree.Repo", "AimLsm.Tree.Sequences.Tracker"),
        ("AimLsm.Tree.Repo", "AimLsm.Kv.Db"),
        ("AimLsm.Tree.Storage.Slot", "AimLsm.Kv.Db"),
        ("AimLsm.Tree.Storage.BlobReader", "AimLsm.Kv.Db"),
        ("AimLsm.Streaming.AimStreamWriter", "AimLsm.Tree.Run"),
        ("AimLsm.Streaming.AimStreamWriter", "AimLsm.Tree.Storage.StoreLease"),
        ("AimLsm.Streaming.AimStreamWriter", "AimLsm.Tree.Storage.BlobReader"),
        ("AimLsm.Streaming.AimStreamWriter", "AimLsm.Kv.CorruptionException"),
        ("AimLsm.Streaming.AimStreamWriter", "AimLsm.Kv.Common.Varint"),
        ("AimLsm.Remote.TrackingServer", "AimLsm.Tree.Repo"),
        ("AimLsm.Remote.TrackingServer", "AimLsm.Tree.Sequences.Tracker"),
        ("AimLsm.Remote.TrackingServer", "AimLsm.Kv.Db"),
    ];

    private static bool Vocabulary(string type) => type is "AimLsm.Kv.CorruptionException" or "AimLsm.Query.IQueryRun";

    private static TypeReferenceGraph With(params (string, string)[] extra) => TypeReferenceGraph.FromEdges(Types, [.. Legal, .. extra]);

    [Fact]
    public void The_legal_picture_breaks_no_rule()
    {
        TypeReferenceGraph g = With();
        Assert.Empty(WrongWayReferences(g, Vocabulary));
        Assert.Empty(NamespaceCycles(g, Vocabulary, new HashSet<(string, string)>(), Layer.Common, Layer.IO, Layer.Engine));
        Assert.Empty(NamespaceCycles(g, Vocabulary, new HashSet<(string, string)>(), Layer.Encoding, Layer.TreeStorage, Layer.Tree, Layer.Query, Layer.Streaming, Layer.Remote));
        Assert.Empty(VocabularyArrows(g, Vocabulary));
    }

    [Theory]
    [InlineData("AimLsm.Kv.Common.Varint", "AimLsm.Kv.IO.IFileSystem", "Common references nothing of ours")]
    [InlineData("AimLsm.Kv.IO.IFileSystem", "AimLsm.Kv.Db", "IO references only Common")]
    [InlineData("AimLsm.Kv.Db", "AimLsm.Tree.Repo", "the engine references only Common, IO and itself")]
    [InlineData("AimLsm.Encoding.TreePath", "AimLsm.Tree.Run", "Encoding references only")]
    [InlineData("AimLsm.Encoding.TreePath", "AimLsm.Kv.Db", "Encoding references only")]
    [InlineData("AimLsm.Query.AimQuery", "AimLsm.Tree.Repo", "Query references only")]
    [InlineData("AimLsm.Query.Binding.Binder", "AimLsm.Tree.Storage.Slot", "Query references only")]
    [InlineData("AimLsm.Query.AimQuery", "AimLsm.Kv.Db", "Query references only")]
    [InlineData("AimLsm.Tree.Run", "AimLsm.Streaming.AimStreamWriter", "Tree never references Streaming")]
    [InlineData("AimLsm.Tree.Run", "AimLsm.Remote.TrackingServer", "Tree never references Streaming or Remote")]
    [InlineData("AimLsm.Tree.Storage.Slot", "AimLsm.Query.IQueryRun", "Tree's storage references neither")]
    [InlineData("AimLsm.Tree.Storage.Slot", "AimLsm.Remote.TrackingServer", "Tree's storage references neither")]
    [InlineData("AimLsm.Streaming.AimStreamWriter", "AimLsm.Remote.TrackingServer", "Streaming never touches the engine")]
    [InlineData("AimLsm.Remote.TrackingServer", "AimLsm.Kv.IO.IFileSystem", "Remote never touches IO")]
    [InlineData("AimLsm.Streaming.AimStreamWriter", "AimLsm.Kv.Db", "Streaming never touches the engine")]
    [InlineData("AimLsm.Streaming.AimStreamWriter", "AimLsm.Kv.ReadOptions", "Streaming never touches the engine")]
    [InlineData("AimLsm.Streaming.AimStreamWriter", "AimLsm.Kv.IO.IFileSystem", "Streaming never touches the engine")]
    [InlineData("AimLsm.Streaming.AimStreamWriter", "AimLsm.Tree.Storage.RepoKeys", "Streaming never touches the engine")]
    [InlineData("AimLsm.Streaming.AimStreamWriter", "AimLsm.Tree.Storage.Slot", "Streaming never touches the engine")]
    public void A_wrong_way_reference_is_named_with_its_rule(string from, string to, string rule)
    {
        List<string> broken = WrongWayReferences(With((from, to)), Vocabulary);

        string only = Assert.Single(broken);
        Assert.StartsWith($"{from} -> {to}: breaks \"{rule}", only);
    }

    [Theory]
    [InlineData("AimLsm.Kv.Sst.TableReader", "AimLsm.Kv.Versions.VersionSet", "AimLsm.Kv.Sst, AimLsm.Kv.Versions")]
    [InlineData("AimLsm.Kv.Versions.VersionSet", "AimLsm.Kv.Db", "AimLsm.Kv, AimLsm.Kv.Versions")]
    [InlineData("AimLsm.Tree.Sequences.Tracker", "AimLsm.Tree.Run", "AimLsm.Tree, AimLsm.Tree.Sequences")]
    [InlineData("AimLsm.Query.Syntax.Parser", "AimLsm.Query.Binding.Binder", "AimLsm.Query.Binding, AimLsm.Query.Syntax")]
    [InlineData("AimLsm.Query.Syntax.Parser", "AimLsm.Query.AimQuery", "AimLsm.Query, AimLsm.Query.Binding, AimLsm.Query.Syntax")]
    public void A_namespace_cycle_is_named_in_either_assembly(string from, string to, string members)
    {
        TypeReferenceGraph g = With((from, to));
        var none = new HashSet<(string, string)>();

        List<string> cycles = NamespaceCycles(g, Vocabulary, none, Layer.Common, Layer.IO, Layer.Engine)
            .Concat(NamespaceCycles(g, Vocabulary, none, Layer.Encoding, Layer.TreeStorage, Layer.Tree, Layer.Query, Layer.Streaming, Layer.Remote))
            .ToList();

        string only = Assert.Single(cycles);
        Assert.StartsWith($"cycle among {members}:", only);
        Assert.Contains($"{from} -> {to}", only);
        // An exemption of exactly that reference takes it out, and nothing else does.
        Assert.Empty(NamespaceCycles(g, Vocabulary, new HashSet<(string, string)> { (from, to) },
            Layer.Common, Layer.IO, Layer.Engine, Layer.Encoding, Layer.TreeStorage, Layer.Tree, Layer.Query, Layer.Streaming, Layer.Remote));
    }

    [Fact]
    public void A_part_may_reference_its_root_vocabulary_but_not_its_entry_points()
    {
        // Binder -> IQueryRun (vocabulary) is in the legal picture; Binder -> AimQuery closes a cycle with
        // AimQuery -> Binder, and so does a vocabulary type that references down into a part.
        Assert.Single(NamespaceCycles(With(("AimLsm.Query.Binding.Binder", "AimLsm.Query.AimQuery")), Vocabulary,
            new HashSet<(string, string)>(), Layer.Query));
        TypeReferenceGraph downward = With(("AimLsm.Query.IQueryRun", "AimLsm.Query.Binding.Binder"));
        Assert.Single(NamespaceCycles(downward, Vocabulary, new HashSet<(string, string)>(), Layer.Query));
        Assert.Equal(["AimLsm.Query.IQueryRun -> AimLsm.Query.Binding.Binder"], VocabularyArrows(downward, Vocabulary));
    }

    [Fact]
    public void A_vocabulary_type_that_references_its_engine_is_named()
    {
        List<string> arrows = VocabularyArrows(With(("AimLsm.Kv.CorruptionException", "AimLsm.Kv.Sst.TableReader")), Vocabulary);

        Assert.Equal(["AimLsm.Kv.CorruptionException -> AimLsm.Kv.Sst.TableReader"], arrows);
    }

    [Fact]
    public void A_namespace_without_a_layer_is_refused()
    {
        var types = new Dictionary<string, string>(Types, StringComparer.Ordinal) { ["AimLsm.Plugins.Thing"] = "AimLsm.Plugins" };
        TypeReferenceGraph g = TypeReferenceGraph.FromEdges(types, [.. Legal, ("AimLsm.Plugins.Thing", "AimLsm.Kv.Db")]);

        var e = Assert.Throws<InvalidOperationException>(() => WrongWayReferences(g, Vocabulary));
        Assert.Contains("AimLsm.Plugins has no layer", e.Message);
    }
}
