using System.Globalization;
using AimLsm.Tree;
using AimLsm.Encoding;
using FsCheck;
using FsCheck.Fluent;

namespace AimLsm.Tests.Tree.Repo;

/// <summary>What values a numeric sequence of a case receives.</summary>
public enum NumericKind
{
    Float,
    Int,
    Mixed,
}

/// <summary>What values the non-numeric sequence of a case receives (one dtype per case: a sequence holds one).</summary>
public enum ObjectKind
{
    Str,
    None,
    Bool,
    Dict,
    IntList,
    Text,
}

/// <summary>How a track op reaches the library: <c>run.Track</c>, <c>sequence.Track</c> or the dict form.</summary>
public enum TrackApi
{
    Run,
    Sequence,
    Dict,
}

/// <summary>A tracked value with its canonical text (<see cref="RepoTestKit.Render"/>, entries sorted) to compare
/// with; it prints with its entries in the order they were added (<see cref="RepoTestKit.RenderAsAdded"/>).</summary>
public sealed record TVal(object? Value, string Text)
{
    public static TVal Of(object? value) => new(value, RepoTestKit.Render(value));

    public override string ToString() => RepoTestKit.RenderAsAdded(Value);
}

/// <summary>One step of a sequence model case; <see cref="object.ToString"/> is its line in a failure report.</summary>
public abstract record SeqOp
{
    /// <summary>The three sequences of every run: two numeric ones (same name, different contexts) and one of objects.</summary>
    public static readonly (string Name, Context Context)[] Sequences =
    [
        ("loss", new Context()),
        ("loss", new Context { ["subset"] = "val" }),
        ("obj", new Context { ["kind"] = 1 }),
    ];

    public const int ObjectSequence = 2;

    protected static string Describe(int run, int seq) => $"r{run} {Sequences[seq].Name}{(Sequences[seq].Context.Count == 0 ? "" : Sequences[seq].Context.ToString())}";

    protected static string Bound(long value) => value switch
    {
        long.MinValue => "min",
        long.MaxValue => "max",
        _ => value.ToString(CultureInfo.InvariantCulture),
    };
}

public sealed record TrackOp(int Run, int Seq, long? Step, TVal Value, long? Epoch, TrackApi Api) : SeqOp
{
    public override string ToString() =>
        $"track {Describe(Run, Seq)} step={(Step is { } s ? Bound(s) : "default")} value={Value} epoch={(Epoch is { } e ? Bound(e) : "none")} via {Api}";
}

/// <summary>Tracks a value whose dtype the sequence cannot hold: must throw ArgumentException and change nothing.</summary>
public sealed record TrackWrongOp(int Run, int Seq, int Variant) : SeqOp
{
    public override string ToString() => $"track-wrong-dtype {Describe(Run, Seq)} variant {Variant}";
}

public sealed record FlushOp(int Run, bool ViaRepo) : SeqOp
{
    public override string ToString() => ViaRepo ? "flush repo" : $"flush r{Run}";
}

/// <summary>Disposes the repo (closing the runs), opens it again and resumes every run with OpenRun.</summary>
public sealed record ReopenRepoOp : SeqOp
{
    public override string ToString() => "reopen repo";
}

/// <summary>Disposes one run and resumes it in the same repo.</summary>
public sealed record ReopenRunOp(int Run) : SeqOp
{
    public override string ToString() => $"reopen r{Run}";
}

/// <summary>Reads [From, To) after a flush, through the writable run or a read-only view of it.</summary>
public sealed record ReadOp(int Run, int Seq, long From, long To, bool ViaView) : SeqOp
{
    public override string ToString() =>
        $"read {Describe(Run, Seq)} [{Bound(From)}, {Bound(To)}){(ViaView ? " via GetRun view" : "")}";
}

public sealed record SampleOp(int Run, int Seq, int Points, long From, long To) : SeqOp
{
    public override string ToString() => $"sample {Describe(Run, Seq)} {Points} of [{Bound(From)}, {Bound(To)})";
}

/// <summary>Checks the sequence's metadata and the run's sequence list after a flush.</summary>
public sealed record InfoOp(int Run, int Seq) : SeqOp
{
    public override string ToString() => $"info {Describe(Run, Seq)}";
}

/// <summary>Opens the repo read-only beside the writer and checks every sequence of every run through it.</summary>
public sealed record ReadOnlyCheckOp : SeqOp
{
    public override string ToString() => "check all through Repo.OpenReadOnly";
}

/// <summary>A generated case: options, the kinds of values per sequence, and the ops.</summary>
public sealed record SequenceModelCase(int Runs, int ChunkSize, int BlobThreshold, NumericKind Loss, NumericKind LossVal, ObjectKind Objects, SeqOp[] Ops)
{
    public RepoOptions Options() => new() { SequenceChunkSize = ChunkSize, BlobThreshold = BlobThreshold };

    public override string ToString() =>
        $"# {Runs} run(s), chunk size {ChunkSize}, blob threshold {BlobThreshold}, loss: {Loss}, loss{{'subset': 'val'}}: {LossVal}, obj: {Objects}" +
        Environment.NewLine + string.Join(Environment.NewLine, Ops.Select((op, i) => $"{i,3}: {op}"));
}

/// <summary>FsCheck generators and shrinker of <see cref="SequenceModelCase"/>.</summary>
public static class SequenceModelGen
{
    private static readonly Gen<long?> Step = Gen.Frequency(
        (5, Gen.Constant<long?>(null)),
        (6, Gen.Choose(0, 40).Select(i => (long?)i)),
        (2, Gen.Choose(-12, -1).Select(i => (long?)i)),
        (1, Gen.Elements<long?>(long.MinValue, long.MinValue + 1, -(1L << 40), 1L << 40, 1L << 62)));

    private static readonly Gen<long?> Epoch = Gen.Frequency(
        (4, Gen.Constant<long?>(null)),
        (4, Gen.Choose(0, 5).Select(i => (long?)i)),
        (1, Gen.Elements<long?>(-7, long.MaxValue, long.MinValue + 1)));

    private static readonly Gen<long> Bound = Gen.Frequency(
        (8, Gen.Choose(-15, 50).Select(i => (long)i)),
        (1, Gen.Elements(long.MinValue, long.MaxValue, -(1L << 40), 1L << 40, 1L << 62)));

    // Mostly from <= to; one range in six is reversed (it must read as empty).
    private static readonly Gen<(long From, long To)> Range =
        from a in Bound
        from b in Bound
        from reversed in Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true)))
        select reversed ? (Math.Max(a, b), Math.Min(a, b)) : (Math.Min(a, b), Math.Max(a, b));

    private static readonly Gen<double> Float = Gen.Frequency(
        (8, Gen.Choose(-800, 800).Select(i => i / 8.0)),
        (1, Gen.Elements(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.MaxValue, -double.MaxValue, double.Epsilon)));

    // Distinct ints stay distinct as doubles (|x| < 2^53, or one of the extremes), so min and max are unambiguous.
    private static readonly Gen<long> Int = Gen.Frequency(
        (8, Gen.Choose(-1000, 1000).Select(i => (long)i)),
        (1, Gen.Elements(long.MinValue, long.MaxValue, 1L << 50, -(1L << 50) + 3)));

    private static readonly Gen<string> Text = Gen.Frequency(
        (3, Gen.Elements("", "a", "héllo wörld", "😀", "tab\tand\nnewline")),
        (2, Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Gen.Elements('a', 'b', 'z', '0', ' ', 'é'), n)).Select(cs => new string(cs))));

    private static readonly Gen<byte[]> Bytes = Gen.Choose(0, 30).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n));

    private static Gen<object?> Numeric(NumericKind kind) => kind switch
    {
        NumericKind.Float => Float.Select(d => (object?)d),
        NumericKind.Int => Int.Select(l => (object?)l),
        _ => Gen.OneOf(Float.Select(d => (object?)d), Int.Select(l => (object?)l)),
    };

    private static Gen<object?> Object(ObjectKind kind) => kind switch
    {
        ObjectKind.Str => Text.Select(s => (object?)s),
        ObjectKind.None => Gen.Constant<object?>(null),
        ObjectKind.Bool => Gen.Elements<object?>(true, false),
        ObjectKind.Dict =>
            from a in Int
            from b in Text
            from shape in Gen.Choose(0, 3)
            from f in Float
            from nested in Shuffled(("y", b), ("x", f))
            from dict in shape switch
            {
                0 => Gen.Constant(new Dictionary<string, object?>()),
                1 => Shuffled(("a", a), ("b", b), ("ab", f)), // "ab" sorts before "a" as an encoded key
                2 => Shuffled(("b", b), ("c", new List<object?> { a, b, null })),
                _ => Shuffled(("a", a), ("nested", nested)),
            }
            select (object?)dict,
        ObjectKind.IntList => Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(Gen.Choose(-3, 300), n))
            .Select(items => (object?)items.Select(i => (object?)(long)i).ToList()),
        _ =>
            from data in Text
            from n in Int
            from raw in Bytes
            from fields in Shuffled(("data", data), ("n", n), ("raw", raw))
            select (object?)TextObject(fields),
    };

    /// <summary>A dict of <paramref name="entries"/> added in a random order (key order only by chance).</summary>
    private static Gen<Dictionary<string, object?>> Shuffled(params (string Key, object? Value)[] entries) =>
        Gen.Shuffle(entries).Select(shuffled => shuffled.ToDictionary(e => e.Key, e => e.Value));

    private static AimObject TextObject(Dictionary<string, object?> fields)
    {
        var obj = new AimObject("aim.text");
        foreach ((string key, object? value) in fields)
        {
            obj.Fields[key] = value;
        }

        return obj;
    }

    private static Gen<SeqOp> Op(int runs, NumericKind loss, NumericKind lossVal, ObjectKind objects)
    {
        Gen<int> run = Gen.Choose(0, runs - 1);
        Gen<int> seq = Gen.Choose(0, 2);
        Gen<SeqOp> track =
            from r in run
            from s in seq
            from step in Step
            from value in s switch
            {
                0 => Numeric(loss),
                1 => Numeric(lossVal),
                _ => Object(objects),
            }
            from epoch in Epoch
            from api in Gen.Elements(TrackApi.Run, TrackApi.Run, TrackApi.Sequence, TrackApi.Dict)
            select (SeqOp)new TrackOp(r, s, step, TVal.Of(value), epoch, api);
        Gen<SeqOp> read =
            from r in run
            from s in seq
            from whole in Gen.Elements(true, false)
            from range in Range
            from view in Gen.Elements(true, false)
            select (SeqOp)(whole ? new ReadOp(r, s, long.MinValue, long.MaxValue, view) : new ReadOp(r, s, range.From, range.To, view));
        Gen<SeqOp> sample =
            from r in run
            from s in seq
            from n in Gen.Frequency((1, Gen.Constant(1)), (1, Gen.Constant(2)), (4, Gen.Choose(3, 12)))
            from whole in Gen.Elements(true, false)
            from range in Range
            select (SeqOp)(whole ? new SampleOp(r, s, n, long.MinValue, long.MaxValue) : new SampleOp(r, s, n, range.From, range.To));
        return Gen.Frequency(
            (40, track),
            (2, from r in run from s in seq from v in Gen.Choose(0, 3) select (SeqOp)new TrackWrongOp(r, s, v)),
            (3, from r in run from viaRepo in Gen.Elements(true, false) select (SeqOp)new FlushOp(r, viaRepo)),
            (2, Gen.Constant<SeqOp>(new ReopenRepoOp())),
            (1, run.Select(r => (SeqOp)new ReopenRunOp(r))),
            (8, read),
            (4, sample),
            (4, from r in run from s in seq select (SeqOp)new InfoOp(r, s)),
            (1, Gen.Constant<SeqOp>(new ReadOnlyCheckOp())));
    }

    /// <summary>The kinds of the non-numeric sequence the random cases use: all of them.</summary>
    public static readonly ObjectKind[] GeneratedObjectKinds = Enum.GetValues<ObjectKind>();

    public static readonly Gen<SequenceModelCase> Case =
        from runs in Gen.Choose(1, 2)
        from chunk in Gen.Choose(2, 8)
        from blob in Gen.Elements(8, 16, 4096)
        from loss in Gen.Elements(NumericKind.Float, NumericKind.Int, NumericKind.Mixed)
        from lossVal in Gen.Elements(NumericKind.Float, NumericKind.Int, NumericKind.Mixed)
        from objects in Gen.Elements(GeneratedObjectKinds)
        from n in Gen.Choose(1, 90)
        from ops in Gen.ArrayOf(Op(runs, loss, lossVal, objects), n)
        select new SequenceModelCase(runs, chunk, blob, loss, lossVal, objects, ops);

    /// <summary>Shrinks by dropping runs of ops (halves, quarters, ... single ops), then by simplifying options.</summary>
    public static IEnumerable<SequenceModelCase> Shrink(SequenceModelCase c)
    {
        SeqOp[] ops = c.Ops;
        for (int size = ops.Length / 2; size >= 1; size /= 2)
        {
            for (int start = 0; start + size <= ops.Length; start += size)
            {
                yield return c with { Ops = [.. ops[..start], .. ops[(start + size)..]] };
            }
        }

        if (c.BlobThreshold != 4096)
        {
            yield return c with { BlobThreshold = 4096 };
        }
    }

    public static Arbitrary<SequenceModelCase> Arbitrary => Arb.From(Case, Shrink);
}
