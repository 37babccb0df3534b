using AimLsm.Encoding;
using AimLsm.Kv;
using AimLsm.Tests.Tree.Repo;
using AimLsm.Tree;
using AimLsm.Tree.Storage;

namespace AimLsm.Tests.Tree.Sequences;

/// <summary>
/// The background writer can commit a new sequence's first chunks before its first metadata (a late point commits
/// the tail to index the chunks; a min/max rescan commits before it reads). A read in that window must still give a
/// numeric sequence's points as numbers: LateStepTests once met a null <see cref="SequenceData.Numbers"/> there.
/// The window is made here by deleting the committed metadata, leaving the chunks.
/// </summary>
public class SequenceReadWithoutMetadataTests
{
    [Theory]
    [InlineData(1.5)]
    [InlineData(7L)]
    public void Chunks_without_metadata_read_as_numbers(object value)
    {
        using var one = new OneRun();
        Run run = one.Run;
        for (long step = 0; step < 100; step++)
        {
            run.Track(value is long l ? l + step : (double)value + step, "loss", step);
        }

        run.Flush();
        DropMetadata(run, "loss");

        SequenceData read = run.GetSequence("loss").Read();
        Assert.Equal(100, read.Count);
        Assert.NotNull(read.Numbers);
        Assert.Equal(value is long k ? k + 99 : (double)value + 99, read.Numbers![99]);
    }

    [Fact]
    public void Chunks_of_objects_without_metadata_still_read_as_objects()
    {
        using var one = new OneRun();
        Run run = one.Run;
        for (long step = 0; step < 10; step++)
        {
            run.Track($"text {step}", "notes", step);
        }

        run.Flush();
        DropMetadata(run, "notes");

        SequenceData read = run.GetSequence("notes").Read();
        Assert.Null(read.Numbers);
        Assert.Equal("text 9", read.Objects![9]);
    }

    private static void DropMetadata(Run run, string name)
    {
        byte[] meta = RepoKeys.Trace(run.Hash, Context.Empty.Id, name);
        using (var lease = run.Lease())
        {
            lease.Db.DeleteRange(meta, TreePath.SubtreeUpperBound(meta));
            Assert.Null(lease.Db.Get(RepoKeys.Concat(meta, TreePath.Encode(["dtype"]))));
        }
    }
}
