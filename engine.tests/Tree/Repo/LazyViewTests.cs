using AimLsm.Tests.Testing;
using AimLsm.Tree;
using AimLsm.Encoding;
using AimLsm.Tree.Storage;
using TreeRepo = AimLsm.Tree.Repo;

namespace AimLsm.Tests.Tree.Repo;

/// <summary>
/// Lazy views (issue 7, item 2): a view reads only its own subtree, and listing children reads no values. Proven by
/// planting malformed records in sibling subtrees through the raw engine: touching them throws
/// <see cref="AimFormatException"/>, so every read that succeeds did not touch them. Also the view's API: Keys,
/// Exists, Get&lt;T&gt; and its error messages.
/// </summary>
public class LazyViewTests
{
    private static readonly byte[] BadValue = [0xEE]; // no such type byte

    private static Dictionary<string, object?> Hparams() => new()
    {
        ["lr"] = 3e-4,
        ["batch_size"] = 64,
        ["optimizer"] = new Dictionary<string, object?> { ["name"] = "adam", ["betas"] = new[] { 0.9, 0.999 } },
        ["layers"] = new[] { 256, 128 },
        ["names"] = new[] { "a", "b" },
    };

    [Fact]
    public void Reading_a_subtree_or_listing_keys_does_not_read_sibling_subtrees()
    {
        using var dir = new TempDirectory();
        using TreeRepo repo = TreeRepo.Open(dir.Path);
        using Run run = repo.CreateRun(experiment: "lazy");
        run["hparams"] = Hparams();
        run["sibling"] = new Dictionary<string, object?> { ["ok"] = 1 };
        run["zzz"] = "last";
        run.Track(1.0, "a", 0);
        run.Track(2.0, "b", 0);
        run.Flush();

        // A bad value deep in one sibling, a bad key (a truncated int segment) in another, a bad chunk in sequence b.
        RepoTestKit.PutRawParam(run, ["sibling", "deep", "bad"], BadValue);
        RepoTestKit.WithEngine(run, db =>
        {
            db.Put([.. RepoKeys.Attrs(run.Hash), .. "broken"u8, TreePath.Separator, TreePath.Separator, 0x01], [0x00]);
            db.Put(RepoKeys.WithInt(RepoKeys.Sequence(run.Hash, new Context().Id, "b"), 1000), [0x63, 0, 0]);
        });

        // The poison is real: reading what holds it fails...
        Assert.Throws<AimFormatException>(() => run.Tree["sibling"].Value);
        Assert.Throws<AimFormatException>(() => run["sibling"]);
        Assert.Throws<AimFormatException>(() => run.Tree["broken"].Value);
        Assert.Throws<AimFormatException>(() => run.Tree.Value);
        Assert.Throws<AimFormatException>(() => run.GetSequence("b").Read());
        Assert.Throws<AimFormatException>(() => run.GetSequence("b").Sample(5));

        // ...and everything else reads fine.
        Assert.Equal(3e-4, run.Tree["hparams", "lr"].Get<double>());
        Assert.Equal(RepoTestKit.Render(Hparams()), RepoTestKit.Render(run["hparams"]));
        Assert.Equal("adam", run.Tree["hparams"]["optimizer", "name"].Get<string>());
        Assert.Equal(1L, run.Tree["sibling", "ok"].Value);
        Assert.Equal("last", run["zzz"]);
        Assert.Equal(["broken", "hparams", "sibling", "zzz"], run.Tree.Keys.Select(k => k.String));
        Assert.Equal(["deep", "ok"], run.Tree["sibling"].Keys.Select(k => k.String));
        Assert.True(run.Tree["sibling", "deep"].Exists);
        Assert.True(run.Tree["broken"].Exists);
        Assert.Equal("lazy", run.Experiment);
        Assert.Equal(1.0, run.GetSequence("a").Read().Numbers![0]);
        Assert.Equal([0L], run.GetSequence("b").Read(0, 1000).Steps); // stops before the bad chunk's key
        Assert.Equal(1, run.GetSequence("b").Info.Count); // metadata, no chunk
        Assert.Equal(["a", "b"], run.Sequences.Select(s => s.Name).Order(StringComparer.Ordinal));

        // The same through a read-only view of the run.
        Run view = repo.GetRun(run.Hash);
        Assert.Equal(64L, view.Tree["hparams", "batch_size"].Value);
        Assert.Throws<AimFormatException>(() => view.Tree["sibling"].Value);
    }

    [Fact]
    public void Reading_one_run_does_not_read_another()
    {
        using var dir = new TempDirectory();
        using TreeRepo repo = TreeRepo.Open(dir.Path);
        using Run good = repo.CreateRun(name: "good");
        using Run bad = repo.CreateRun(name: "bad");
        good["x"] = 1;
        RepoTestKit.WithEngine(bad, db => db.Put(RepoKeys.Concat(RepoKeys.Props(bad.Hash), TreePath.Encode(["name"])), BadValue));

        Assert.Equal(2, repo.Runs.Count()); // the run index reads keys only
        Run goodView = repo.GetRun(good.Hash);
        Assert.Equal("good", goodView.Name);
        Assert.Equal(1L, goodView["x"]);
        Assert.Throws<AimFormatException>(() => repo.GetRun(bad.Hash).Name);
    }

    [Fact]
    public void Keys_lists_str_children_then_int_children_once_each()
    {
        using var one = new OneRun();
        Run run = one.Run;
        run["mixed"] = new Dictionary<object, object?>
        {
            [5L] = "five",
            ["b"] = 1,
            ["a"] = new Dictionary<string, object?> { ["x"] = 1, ["y"] = new[] { 1, 2, 3 } }, // many records, one key
            [0L] = 0,
            ["é"] = 2,
            ["ab"] = 3,
            [-2L] = "minus two",
        };
        run["layers"] = new[] { 256, 128, 64 };
        run["hparam"] = 1; // a str prefix of a sibling's name
        run["hparams"] = Hparams();

        IReadOnlyList<PathSegment> keys = run.Tree["mixed"].Keys;
        // Key order (docs/format.md 12.2, as in Aim): str segments in the order of their encoding, UTF-8 then 0xFE, so
        // a string sorts after its own extensions ('ab' before 'a'); then int segments, big-endian two's complement,
        // so the non-negative ones come first and the negative ones after them.
        Assert.Equal(["'ab'", "'a'", "'b'", "'é'", "0", "5", "-2"], keys.Select(k => k.ToString()));
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal([0L, 1, 2], run.Tree["layers"].Keys.Select(k => k.Int)); // the list's own marker is not a child
        Assert.Equal(["hparams", "hparam", "layers", "mixed"], run.Tree.Keys.Select(k => k.String));
        Assert.Empty(run.Tree["layers", 0].Keys);
        Assert.Empty(run.Tree["nothing"].Keys);
    }

    [Fact]
    public void Exists_is_exact_about_paths()
    {
        using var one = new OneRun();
        Run run = one.Run;
        run["hparams"] = Hparams();
        Assert.True(run.Tree["hparams"].Exists);
        Assert.True(run.Tree["hparams", "lr"].Exists);
        Assert.True(run.Tree["hparams", "layers", 1].Exists);
        Assert.False(run.Tree["hparams", "layers", 2].Exists);
        Assert.False(run.Tree["hparam"].Exists); // a prefix of a name is not that name
        Assert.False(run.Tree["hparams", "l"].Exists);
        Assert.False(run.Tree["hparams", "lr", "below"].Exists);
        run.Tree["hparams", "optimizer"].Delete();
        Assert.False(run.Tree["hparams", "optimizer", "name"].Exists);
        Assert.True(run.Tree["hparams", "lr"].Exists);
        run.Tree["hparams", "lr"].Set(null); // None is a value
        Assert.True(run.Tree["hparams", "lr"].Exists);
        Assert.Null(run.Tree["hparams", "lr"].Value);
    }

    [Fact]
    public void Get_converts_numbers_and_arrays()
    {
        using var one = new OneRun();
        Run run = one.Run;
        run["hparams"] = Hparams();
        TreeView h = run.Tree["hparams"];
        Assert.Equal(64.0, h["batch_size"].Get<double>()); // an int is accepted as a double
        Assert.Equal(64, h["batch_size"].Get<int>());
        Assert.Equal(64L, h["batch_size"].Get<long>());
        Assert.Equal(3e-4f, h["lr"].Get<float>());
        Assert.Equal([256L, 128], h["layers"].Get<long[]>());
        Assert.Equal([256, 128], h["layers"].Get<int[]>());
        Assert.Equal([256.0, 128.0], h["layers"].Get<double[]>());
        Assert.Equal([0.9, 0.999], h["optimizer", "betas"].Get<double[]>());
        Assert.Equal(["a", "b"], h["names"].Get<string[]>());
        Assert.Equal("adam", h["optimizer"].Get<Dictionary<string, object?>>()["name"]);
        Assert.Equal(7, h["missing"].Get(7));
        Assert.Equal("x", h["missing"].Get<string>("x"));
        run["none"] = null;
        Assert.Null(run.Tree["none"].Get<string>());
    }

    [Fact]
    public void Get_errors_name_the_path_and_the_types()
    {
        using var one = new OneRun();
        Run run = one.Run;
        run["hparams"] = Hparams();
        run["big"] = long.MaxValue;

        var missing = Assert.Throws<KeyNotFoundException>(() => run.Tree["hparams", "nope"].Get<double>());
        Assert.Contains("('hparams', 'nope')", missing.Message, StringComparison.Ordinal);
        Assert.Contains(run.Hash, missing.Message, StringComparison.Ordinal);
        Assert.Contains("('hparams', 'nope')", Assert.Throws<KeyNotFoundException>(() => run.Tree["hparams", "nope"].Value).Message, StringComparison.Ordinal);
        Assert.Contains("('nope',)", Assert.Throws<KeyNotFoundException>(() => run["nope"]).Message, StringComparison.Ordinal);

        var wrong = Assert.Throws<InvalidCastException>(() => run.Tree["hparams", "lr"].Get<string>());
        Assert.Contains("('hparams', 'lr')", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("Double", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("String", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("('hparams', 'lr')", Assert.Throws<InvalidCastException>(() => run.Tree["hparams", "lr"].Get<long>()).Message, StringComparison.Ordinal);
        Assert.Contains("('big',)", Assert.Throws<InvalidCastException>(() => run.Tree["big"].Get<int>()).Message, StringComparison.Ordinal);
        Assert.Contains("('hparams', 'optimizer')", Assert.Throws<InvalidCastException>(() => run.Tree["hparams", "optimizer"].Get<double[]>()).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidCastException>(() => run.Tree["hparams", "lr"].Get(0L)); // a fallback does not excuse a wrong type
    }

    public static TheoryData<string> WronglyTypedArrays() => ["long[] of floats", "int[] of floats", "double[] of strs", "double[] with None", "long[] of strs", "int[] of a huge int", "string[] of ints"];

    /// <summary>
    /// Get&lt;T[]&gt; of a list whose elements are of another type throws InvalidCastException naming the list's path.
    /// Regression: each element went through System.Convert, so floats were silently rounded to long/int
    /// ([1.7, 2.2] read as [2, 2]), numeric strings parsed, None read as 0, and other mismatches threw
    /// FormatException, OverflowException or an InvalidCastException that named neither the path nor the run.
    /// </summary>
    [Theory]
    [MemberData(nameof(WronglyTypedArrays))]
    public void Get_of_an_array_with_elements_of_another_type_throws_InvalidCastException_naming_the_path(string what)
    {
        using var one = new OneRun();
        Run run = one.Run;
        (object value, Func<TreeView, object> get) = what switch
        {
            "long[] of floats" => ((object)new[] { 1.7, 2.2 }, (Func<TreeView, object>)(v => v.Get<long[]>())),
            "int[] of floats" => (new[] { 1.7 }, v => v.Get<int[]>()),
            "double[] of strs" => (new[] { "abc" }, v => v.Get<double[]>()),
            "double[] with None" => (new object?[] { 1.0, null }, v => v.Get<double[]>()),
            "long[] of strs" => (new[] { "12" }, v => v.Get<long[]>()),
            "int[] of a huge int" => (new[] { long.MaxValue }, v => v.Get<int[]>()),
            _ => (new[] { 1, 2 }, v => v.Get<string[]>()),
        };
        run["xs"] = value;
        object? result = null;
        Exception? e = Record.Exception(() => result = get(run.Tree["xs"]));
        Assert.True(e is InvalidCastException,
            $"{what}: expected InvalidCastException, got {(e is null ? "the value " + RepoTestKit.Render(result) : e.GetType().Name + ": " + e.Message)}");
        Assert.Contains("('xs',)", e!.Message, StringComparison.Ordinal);
    }
}
