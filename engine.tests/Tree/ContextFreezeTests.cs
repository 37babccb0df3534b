using AimLsm.Tests.Tree.Repo;
using AimLsm.Tree;

namespace AimLsm.Tests.Tree;

/// <summary>
/// The repo keeps a read-only copy of each context it uses, one per distinct context (issue 14, point 4: the writers
/// of 100,000 sequences of one context used to keep 100,000 copies), so a caller's later change to its own context
/// changes nothing stored, and the shared copy refuses changes.
/// </summary>
public class ContextFreezeTests
{
    [Fact]
    public void Sequences_of_equal_contexts_share_one_read_only_copy_that_later_changes_do_not_reach()
    {
        using var one = new OneRun();
        var first = new Context { ["subset"] = "train", ["fold"] = 1 };
        var second = new Context { ["fold"] = 1L, ["subset"] = "train" }; // equal, built apart and in another order
        one.Run.Track(1.0, "loss", 0, context: first);
        one.Run.Track(2.0, "acc", 0, context: second);
        one.Run.Flush();

        Context kept = one.Run.GetSequence("loss", first).Context;
        Assert.Same(kept, one.Run.GetSequence("acc", second).Context);
        Assert.NotSame(first, kept);
        Assert.Throws<InvalidOperationException>(() => kept["subset"] = "val");

        first["subset"] = "val"; // the caller's own context stays writable; the kept copy does not follow
        Assert.Equal("train", kept["subset"]);
        Assert.NotEqual(kept, one.Run.GetSequence("loss", first).Context);
        Assert.Equal(1, one.Run.GetSequence("loss", second).Info.Count);
        Assert.Same(one.Run.GetSequence("loss").Context, one.Run.GetSequence("acc", new Context()).Context);
    }
}
