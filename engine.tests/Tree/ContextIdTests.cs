using AimLsm.Tree;

namespace AimLsm.Tests.Tree;

/// <summary>
/// A context's id is part of every sequence key a repo has written (docs/aim-repo.md), so the hash behind it may
/// never change. The ids below were computed by the engine's own XXH64 before Context switched to System.IO.Hashing
/// (which was then checked against it on every length up to 300, and replaced it in the bloom filter too).
/// </summary>
public class ContextIdTests
{
    [Fact]
    public void Ids_are_the_ones_repositories_already_hold()
    {
        Assert.Equal(-1205034819632174695L, new Context().Id);
        Assert.Equal(-5570496496671330542L, new Context { ["subset"] = "train" }.Id);
        Assert.Equal(1323065599166116369L, new Context { ["subset"] = "val", ["fold"] = 3L, ["lr"] = 0.5, ["ok"] = true, ["none"] = null }.Id);
    }
}
