using System.Buffers;
using AimLsm.Tests.Tree.Repo;
using AimLsm.Encoding;
using AimLsm.Tree.Sequences;

namespace AimLsm.Tests.Tree.Sequences;

/// <summary>
/// The insert path of <see cref="SequenceChunk"/> (issue 14.5): late records wait unsorted and are merged
/// <see cref="SequenceChunk.PendingLimit"/> at a time. Against a sorted-dictionary oracle, after every upsert: whether
/// a record was replaced and its old value, the smallest and largest step; at the end, the encoded chunk. Values
/// outside the bits (strings) arrive among the late ones, so the merge meets them too.
/// </summary>
public class ChunkInsertTests
{
    [Theory]
    [InlineData(1, 400, 0)]     // a permutation: every record late
    [InlineData(2, 600, 4)]     // repeats among the pending and the sorted records
    [InlineData(3, 300, 25)]    // strings among the floats
    [InlineData(4, 2_000, 10)]  // many merges into one chunk
    public void Upserts_in_any_order_match_a_sorted_oracle(int seed, int n, int percentStrings)
    {
        var rng = new Random(seed);
        var oracle = new SortedDictionary<long, TrackedValue>();
        var chunk = new SequenceChunk();
        long first = rng.NextInt64(0, n);
        chunk.Append(Point(first, TrackedValue.Float(first)));
        oracle[first] = TrackedValue.Float(first);
        for (int i = 0; i < n; i++)
        {
            // Steps from a range a little wider than n, so some repeat (seed 2 makes repeats frequent).
            long step = rng.NextInt64(0, seed == 2 ? n / 4 : n * 2);
            TrackedValue value = rng.Next(100) < percentStrings
                ? ValueCodec.FromObject("s" + i, 4096)
                : TrackedValue.Float(rng.NextDouble());
            bool replaced = chunk.Upsert(Point(step, value), out TrackedValue old);
            Assert.Equal(oracle.TryGetValue(step, out TrackedValue expected), replaced);
            if (replaced)
            {
                Assert.Equal(Render(expected), Render(old));
            }

            oracle[step] = value;
            Assert.Equal(oracle.Count, chunk.Count);
            Assert.Equal(oracle.Keys.First(), chunk.MinStep);
            Assert.Equal(oracle.Keys.Last(), chunk.MaxStep);
        }

        var output = new ArrayBufferWriter<byte>();
        chunk.Encode(output, new ArrayBufferWriter<byte>());
        var view = new ChunkView(output.WrittenSpan);
        Assert.Equal(oracle.Count, view.Count);
        int at = 0;
        foreach ((long step, TrackedValue value) in oracle)
        {
            Assert.Equal(step, view.Steps[at]);
            Assert.Equal(step, chunk.StepAt(at));
            Assert.Equal(Render(value), Render(view.Value(at)));
            Assert.Equal(step * 3, view.TimesMicros[at]);
            at++;
        }
    }

    [Fact]
    public void A_split_with_records_pending_keeps_both_halves_sorted()
    {
        var chunk = new SequenceChunk();
        chunk.Append(Point(0, TrackedValue.Float(0)));
        chunk.Append(Point(1_000, TrackedValue.Float(1_000)));
        for (long step = 999; step >= 990; step--)
        {
            chunk.Upsert(Point(step, TrackedValue.Float(step)), out _);
        }

        SequenceChunk upper = chunk.SplitUpperHalf();
        Assert.Equal([0, 990, 991, 992, 993, 994], Enumerable.Range(0, chunk.Count).Select(chunk.StepAt));
        Assert.Equal([995, 996, 997, 998, 999, 1_000], Enumerable.Range(0, upper.Count).Select(upper.StepAt));
        Assert.Equal(994, chunk.MaxStep);
        Assert.Equal(995, upper.MinStep);
    }

    private static SequencePoint Point(long step, TrackedValue value) => new(step, step / 10, step * 3, value);

    private static string Render(TrackedValue value) => RepoTestKit.Render(value.ToObject(null));
}
