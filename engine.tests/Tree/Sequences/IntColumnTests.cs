using AimLsm.Tree.Sequences;
using FsCheck;
using FsCheck.Fluent;

namespace AimLsm.Tests.Tree.Sequences;

/// <summary>
/// An int column reads back what was written, through the indexer and through <c>CopyTo</c> over any window, in
/// every mode (constant, stride, 1-, 2-, 4- and 8-byte offsets): the generators pick value spreads that force each.
/// </summary>
public class IntColumnTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(1_000).WithQuietOnSuccess(true);

    private static readonly Gen<long[]> Columns =
        from count in Gen.Choose(1, 300)
        from spread in Gen.Elements(0L, 1L, 200L, 60_000L, 4_000_000_000L, long.MaxValue)
        from origin in Gen.Elements(0L, -5L, 1_700_000_000_000_000L, long.MinValue / 2)
        from stride in Gen.Elements(0L, 1L, 100L, -3L)
        from shape in Gen.Choose(0, 2)
        from seed in Gen.Choose(0, int.MaxValue)
        select Build(count, spread, origin, stride, shape, seed);

    private static long[] Build(int count, long spread, long origin, long stride, int shape, int seed)
    {
        var rng = new Random(seed);
        var values = new long[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = shape switch
            {
                0 => unchecked(origin + (i * stride)),                                 // constant or stride
                1 => unchecked(origin + (long)(rng.NextDouble() * spread)),           // random offsets of a given width
                _ => unchecked(origin + (i * stride) + (i % 7 == 3 ? spread / 2 : 0)), // a stride with outliers
            };
        }

        return values;
    }

    [Fact]
    public void Every_window_reads_back_what_was_written()
    {
        Property prop = Prop.ForAll(Arb.From(from v in Columns from a in Gen.Choose(0, 1000) from b in Gen.Choose(0, 1000) select (v, a, b)), c =>
        {
            (long[] values, int a, int b) = c;
            ColumnChecks.EveryWindowReadsBack(values, a, b, IntColumn.Write, IntColumn.Read);
        });
        Check.One(Quick, prop);
    }
}
