using AimLsm.Tests.Tree.Repo;
using AimLsm.Tree;

namespace AimLsm.Tests.Tree.Sequences;

/// <summary>
/// A sequence's metadata as its writer keeps it (issue 14, point 4: unpacked, not as four nullable values) and as
/// a resumed run's writer reads it back: first and last of every scalar type (a str's encoding included), min and
/// max of numbers only, and only the fields a point changed rewritten after a resume.
/// </summary>
public class SequenceMetaTests
{
    [Fact]
    public void First_last_min_and_max_of_each_scalar_type_survive_a_flush_and_a_resume()
    {
        using var one = new OneRun();
        string hash = one.Run.Hash;
        one.Run.Track("a", "s", 0);
        one.Run.Track("bb", "s", 1);
        one.Run.Track(3L, "n", 0);
        one.Run.Track(-2L, "n", 1);
        one.Run.Track(true, "b", 0);
        one.Run.Track(false, "b", 1);
        one.Run.Track(null, "none", 0);
        one.Run.Flush();

        SequenceInfo s = one.Run.GetSequence("s").Info;
        Assert.Equal(new object?[] { "a", "bb", 2L }, new object?[] { s.First, s.Last, s.Count });
        Assert.Null(s.Min);
        Assert.Null(s.Max);
        SequenceInfo n = one.Run.GetSequence("n").Info;
        Assert.Equal(new object?[] { 3L, -2L, -2L, 3L }, new object?[] { n.First, n.Last, n.Min, n.Max });
        SequenceInfo b = one.Run.GetSequence("b").Info;
        Assert.Equal(new object?[] { true, false }, new object?[] { b.First, b.Last });
        Assert.Null(b.Min);
        SequenceInfo none = one.Run.GetSequence("none").Info;
        Assert.Equal(new object?[] { null, null, 1L }, new object?[] { none.First, none.Last, none.Count });

        // Resumed: the writer starts from the stored metadata and rewrites only what the new points change.
        one.Run.Dispose();
        using (Run resumed = one.Repo.OpenRun(hash))
        {
            resumed.Track("ccc", "s", 2);
            resumed.Track(7L, "n", 2);
            resumed.Track(-1L, "n", -1);
            resumed.Flush();
        }

        s = one.Repo.GetRun(hash).GetSequence("s").Info;
        Assert.Equal(new object?[] { "a", "ccc", 0L, 2L, 3L }, new object?[] { s.First, s.Last, s.FirstStep, s.LastStep, s.Count });
        n = one.Repo.GetRun(hash).GetSequence("n").Info;
        Assert.Equal(new object?[] { -1L, 7L, -2L, 7L, 4L }, new object?[] { n.First, n.Last, n.Min, n.Max, n.Count });
        Assert.Equal(-1, n.FirstStep);
    }
}
