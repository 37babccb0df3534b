using AimLsm.Query;
using AimLsm.Streaming;
using AimLsm.Tests.Tree.Encoding;
using AimLsm.Tree;
using AimLsm.Encoding;
using FsCheck;
using FsCheck.Fluent;

namespace AimLsm.Tests.Streaming;

/// <summary>
/// FsCheck: every value type round-trips through <see cref="AimStreamWriter"/> and <see cref="AimStreamReader"/>
/// whatever the chunk boundaries of the pipe, and whatever the stream's own chunk sizes.
/// </summary>
public class StreamRoundTripTests : IClassFixture<StreamRoundTripTests.SequenceRepo>
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithQuietOnSuccess(true);

    private static readonly Gen<string> Key =
        from n in Gen.Choose(1, 3)
        from parts in Gen.ArrayOf(Gen.Elements("a", "b", "\u007f", "α", "€", "😀", "progress"), n)
        select string.Concat(parts);

    private static readonly Gen<double> Double = Gen.OneOf(
        ArbMap.Default.GeneratorFor<double>(),
        Gen.Elements(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon,
            BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8_0000_0000_0001UL))));

    private static readonly Gen<object?> Scalar = Gen.OneOf(
        Gen.Constant<object?>(null),
        Gen.Elements(true, false).Select(b => (object?)b),
        ArbMap.Default.GeneratorFor<long>().Select(l => (object?)l),
        Gen.Elements(long.MinValue, long.MaxValue, 1L << 53, (1L << 53) + 1).Select(l => (object?)l),
        Double.Select(d => (object?)d),
        Gen.OneOf(Key, Gen.Constant(""), Gen.Constant(new string('x', 5000))).Select(s => (object?)s),
        Gen.Choose(0, 300).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n)).Select(b => (object?)b));

    private readonly SequenceRepo _repo;

    public StreamRoundTripTests(SequenceRepo repo) => _repo = repo;

    private static Gen<object?> Value(int depth) => depth <= 0
        ? Scalar
        : Gen.Frequency(
            (3, Scalar),
            (1, Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Value(depth - 1), n)).Select(a => (object?)a.ToList())),
            (1, Entries(Key, depth).Select(e => (object?)e.ToDictionary(x => x.Key, x => x.Value))),
            (1, Entries(ArbMap.Default.GeneratorFor<long>(), depth).Select(e => (object?)e.DistinctBy(x => x.Key).ToDictionary(x => x.Key, x => x.Value))),
            (1, from name in Gen.Elements("aim.image", "aim.text", "x")
                from e in Entries(Key, depth)
                select (object?)ToObject(name, e)));

    private static Gen<(TKey Key, object? Value)[]> Entries<TKey>(Gen<TKey> key, int depth)
        where TKey : notnull =>
        Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(from k in key from v in Value(depth - 1) select (k, v), n))
            .Select(a => a.DistinctBy(x => x.k).ToArray());

    private static AimObject ToObject(string name, (string Key, object? Value)[] entries)
    {
        var obj = new AimObject(name);
        foreach ((string k, object? v) in entries)
        {
            obj.Fields[k] = v;
        }

        return obj;
    }

    [Fact]
    public void Any_value_round_trips_through_any_split_of_the_pipe()
    {
        Gen<(PathSegment Key, object? Value, object? Second, int Seed)> gen =
            from key in Gen.OneOf(Key.Select(k => new PathSegment(k)), ArbMap.Default.GeneratorFor<long>().Select(l => new PathSegment(l)))
            from value in Gen.Sized(s => Value(Math.Min(4, 1 + (s / 25))))
            from second in Value(2)
            from seed in ArbMap.Default.GeneratorFor<int>()
            select (key, value, second, seed);
        Property prop = Prop.ForAll(Arb.From(gen), c =>
        {
            byte[] bytes = StreamTestKit.WriteAsync(async w =>
            {
                await w.WriteObjectAsync(c.Key, c.Value);
                await w.WriteProgressAsync(1, 2);
                await w.WriteObjectAsync("second", c.Second);
            }).GetAwaiter().GetResult();
            var random = new Random(c.Seed);
            int[] cuts = StreamTestKit.RandomCuts(random, bytes.Length, random.Next(0, 30));

            List<StreamObject> objects = StreamTestKit.ReadObjectsAsync(bytes, cuts).GetAwaiter().GetResult();
            Assert.Equal(4, objects.Count);
            Assert.Equal(c.Key, objects[1].Key);
            Assert.True(TreeTestUtil.DeepEqual(c.Value, objects[1].Value),
                $"expected {StreamTestKit.Describe(c.Value)}, read {StreamTestKit.Describe(objects[1].Value)}");
            Assert.True(TreeTestUtil.DeepEqual(c.Second, objects[3].Value));
        });
        Check.One(Quick.WithMaxTest(300), prop);
    }

    [Fact]
    public void Every_sequence_dtype_round_trips_whole_with_any_chunk_sizes_and_splits()
    {
        Gen<(int Points, int Bytes, int Seed)> gen =
            from points in Gen.Choose(1, 70)
            from bytes in Gen.Choose(1024, 6000)
            from seed in ArbMap.Default.GeneratorFor<int>()
            select (points, bytes, seed);
        Property prop = Prop.ForAll(Arb.From(gen), c =>
        {
            var options = new StreamOptions { ChunkPoints = c.Points, ChunkBytes = c.Bytes, InlineBlobLimit = int.MaxValue };
            byte[] bytes = StreamTestKit.WriteAsync(async w =>
            {
                foreach (SequenceInfo info in _repo.Run.Sequences)
                {
                    Assert.True(await w.WriteSequenceAsync(_repo.Run.GetSequence(info.Name, info.Context)));
                }
            }, options).GetAwaiter().GetResult();
            var random = new Random(c.Seed);
            List<StreamedRun> runs = StreamTestKit.ReadRunsAsync(bytes, StreamTestKit.RandomCuts(random, bytes.Length, random.Next(0, 200)))
                .GetAwaiter().GetResult();

            Assert.All(runs, r => Assert.Equal(_repo.Run.Hash, r.Hash));
            foreach (SequenceInfo info in _repo.Run.Sequences)
            {
                StreamedTrace trace = StreamTestKit.Trace(runs, info.Name, info.Context);
                Assert.Equal(info.Dtype, trace.Dtype);
                StreamTestKit.AssertSame(_repo.Run.GetSequence(info.Name, info.Context).Read(), trace);
                Assert.All(runs.SelectMany(r => r.Traces).Where(t => t.Name == info.Name), t => Assert.True(t.Length <= c.Points));
            }
        });
        Check.One(Quick.WithMaxTest(25), prop);
    }

    [Fact]
    public async Task A_run_object_carries_params_props_and_sampled_traces()
    {
        Run run = _repo.Run;
        byte[] bytes = await StreamTestKit.WriteAsync(w => w.WriteRunAsync(run).AsTask(),
            new StreamOptions { Density = 7, InlineBlobLimit = int.MaxValue, FromStep = -5, ToStep = 1L << 60 });
        StreamedRun streamed = Assert.Single(await StreamTestKit.ReadRunsAsync(bytes, StreamTestKit.RandomCuts(new Random(3), bytes.Length, 50)));

        Assert.Equal(run.Hash, streamed.Hash);
        Assert.True(TreeTestUtil.DeepEqual(run.Tree.Value, streamed.Params));
        Assert.Equal(run.Name, streamed.Props!["name"]);
        Assert.Equal("sweep", ((Dictionary<string, object?>)streamed.Props["experiment"]!)["name"]);
        Assert.Equal(false, streamed.Props["active"]);
        Assert.Equal(run.Sequences.Count(), streamed.Traces.Count);
        foreach (SequenceInfo info in run.Sequences)
        {
            StreamedTrace trace = streamed.Traces.Single(t => t.Name == info.Name && StreamTestKit.SameContext(t.Context, info.Context));
            SequenceData expected = SequenceSampler.Sample(run.GetSequence(info.Name, info.Context), 7, -5, 1L << 60);
            Assert.True(trace.IsFinal);
            StreamTestKit.AssertSame(expected, trace);
        }
    }

    [Fact]
    public async Task Without_a_density_a_run_object_carries_every_trace_by_sequence_type_with_its_metadata_under_values()
    {
        Run run = _repo.Run;
        byte[] bytes = await StreamTestKit.WriteAsync(w => w.WriteRunAsync(run).AsTask());
        StreamedRun streamed = Assert.Single(await StreamTestKit.ReadRunsAsync(bytes, StreamTestKit.RandomCuts(new Random(4), bytes.Length, 40)));

        Assert.Equal(run.Sequences.Count(), streamed.Traces.Count);
        foreach (StreamedTrace trace in streamed.Traces)
        {
            SequenceInfo info = run.Sequences.Single(s => s.Name == trace.Name && StreamTestKit.SameContext(trace.Context, s.Context));
            string type = SequenceKinds.FromDtype(info.Dtype) is { } kind ? SequenceKinds.VariableName(kind) : TraceOverview.OtherGroup;
            Assert.Equal(type, trace.SequenceType);
            Assert.Equal(info.Dtype, trace.Dtype);
            Assert.False(trace.HasData);
            Assert.Equal(info.Count, trace.Count);
            Assert.Equal(info.FirstStep, trace.FirstStep);
            Assert.Equal(info.LastStep, trace.LastStep);
            Assert.True(TreeTestUtil.DeepEqual(info.First, trace.First));
            Assert.True(TreeTestUtil.DeepEqual(info.Last, trace.Last));
            Assert.True(TreeTestUtil.DeepEqual(info.Min, trace.Min));
            Assert.True(TreeTestUtil.DeepEqual(info.Max, trace.Max));
        }

        // Aim's order: props, params, traces; the types in kind order, metric first; each trace context, name, values.
        var runObject = (Dictionary<object, object?>)AimJsDecoder.Decode(bytes)[1].Value!;
        Assert.Equal(["props", "params", "traces"], runObject.Keys);
        Assert.Equal(["metric", "images", "other"], ((Dictionary<object, object?>)runObject["traces"]!).Keys);
        Assert.All(((Dictionary<object, object?>)runObject["traces"]!).Values.Cast<List<object?>>().SelectMany(g => g),
            t => Assert.Equal(["context", "name", "values"], ((Dictionary<object, object?>)t!).Keys));
    }

    [Fact]
    public async Task A_run_without_metrics_still_has_an_empty_metric_group_and_a_metric_of_NaNs_has_no_min_or_max()
    {
        using var repo = new StreamTestRepo();
        Run run = repo.AddRun(r =>
        {
            r.Track(double.NaN, "nan", step: 0);
            r.Track(double.NaN, "nan", step: 1);
        });
        byte[] bytes = await StreamTestKit.WriteAsync(async w =>
        {
            await w.WriteRunAsync(run);
            await w.WriteProgressAsync(1, 2); // two objects under one key would fold into one (format.md 14.2)
            await w.WriteRunAsync(run, []);
        });

        List<(object Key, object? Value)> objects = AimJsDecoder.Decode(bytes);
        var traces = (Dictionary<object, object?>)((Dictionary<object, object?>)objects[1].Value!)["traces"]!;
        var values = (Dictionary<object, object?>)((Dictionary<object, object?>)Assert.Single((List<object?>)traces["metric"]!)!)["values"]!;
        Assert.Equal(["dtype", "first_step", "first", "last_step", "last", "count"], values.Keys);
        Assert.True(double.IsNaN((double)values["last"]!));

        // As Aim's collect_sequence_info lists every type it was asked for, an empty metric group stays.
        var none = (Dictionary<object, object?>)((Dictionary<object, object?>)objects[3].Value!)["traces"]!;
        Assert.Equal(["metric"], none.Keys);
        Assert.Empty((List<object?>)none["metric"]!);
        StreamedRun streamed = (await StreamTestKit.ReadRunsAsync(bytes))[0];
        Assert.Null(Assert.Single(streamed.Traces).Min);
    }

    /// <summary>One run holding a sequence of every dtype, with awkward steps, epochs and values.</summary>
    public sealed class SequenceRepo : IDisposable
    {
        private readonly StreamTestRepo _repo = new(new RepoOptions { BlobThreshold = 64 });

        public SequenceRepo()
        {
            var random = new Random(20240611);
            Run = _repo.AddRun(run =>
            {
                run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.001, ["batch"] = 64L, ["tags"] = new List<object?> { "a", "b" } };
                run.Name = "streamed";
                run.AddTag("t1");
                Track(run, random, "float", "train", i => i % 17 == 0 ? double.NaN : Math.Sin(i / 3.0));
                Track(run, random, "float", "val", i => i == 5 ? double.NegativeInfinity : -0.0 + i);
                Track(run, random, "int", null, i => i % 2 == 0 ? (long)i : (1L << 60) + i);
                Track(run, random, "number", null, i => i % 3 == 0 ? i / 7.0 : (object)(long)i);
                Track(run, random, "str", null, i => i % 10 == 0 ? new string('é', 3000) : "s" + i);
                Track(run, random, "bool", null, i => i % 3 == 0);
                Track(run, random, "bytes", null, i => new byte[i % 9]);
                Track(run, random, "none", null, _ => null);
                Track(run, random, "dict", null, i => new Dictionary<string, object?> { ["x"] = (long)i, ["nested"] = new List<object?> { i / 2.0, null, "z" } });
                Track(run, random, "ints", null, i => new Dictionary<long, object?> { [i] = "v", [-1] = true });
                Track(run, random, "lists", null, i => new List<object?> { (long)i, -7L, (long)i * i });
                Track(run, random, "images", "train", i => Image(i));
                Track(run, random, "batches", null, i => new List<object?> { Image(i), Image(i + 1) });
            }, experiment: "sweep");
        }

        public Run Run { get; }

        public void Dispose() => _repo.Dispose();

        private static AimObject Image(int i)
        {
            var image = new AimObject("aim.image"); // fields not in key order
            image.Fields["data"] = Enumerable.Range(0, 100 + (i * 13)).Select(b => (byte)(b * i)).ToArray();
            image.Fields["width"] = 8L;
            image.Fields["caption"] = "image " + i;
            image.Fields["meta"] = new Dictionary<string, object?> { ["label"] = new string('l', 70 + i) };
            return image;
        }

        private static void Track(Run run, Random random, string name, string? subset, Func<int, object?> value)
        {
            Context? context = subset is null ? null : new Context { ["subset"] = subset };
            // Steps: negative, small, and beyond 2^53; epochs: none, some, and beyond 2^53 for one sequence.
            long[] steps = [.. Enumerable.Range(0, 90).Select(i => i < 10 ? -1000L + (i * 7) : i < 80 ? i * 3L : (1L << 54) + i)];
            foreach (int i in Enumerable.Range(0, steps.Length).OrderBy(_ => random.Next()))
            {
                long? epoch = name switch
                {
                    "int" => (1L << 55) + i,
                    "float" => i % 4 == 0 ? null : i / 10,
                    _ => null,
                };
                run.Track(value(i), name, step: steps[i], epoch: epoch, context: context);
            }
        }
    }
}
