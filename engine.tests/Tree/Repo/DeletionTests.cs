using AimLsm.Kv;
using AimLsm.Tests.Testing;
using AimLsm.Tree;
using AimLsm.Encoding;
using AimLsm.Tree.Storage;
using Xunit.Abstractions;
using TreeRepo = AimLsm.Tree.Repo;

namespace AimLsm.Tests.Tree.Repo;

/// <summary>
/// Deleting runs (issue 7, item 5): the run, its sequences and blobs go, the other runs stay whole, the disk space
/// comes back, and an open run cannot be deleted.
/// </summary>
public class DeletionTests(ITestOutputHelper output)
{
    private static AimObject Image(Random rng, int size)
    {
        var data = new byte[size];
        rng.NextBytes(data);
        var image = new AimObject("aim.image");
        image.Fields["data"] = data;
        image.Fields["width"] = size;
        return image;
    }

    /// <summary>Every key of the slot's engine under the run's three subtrees (runs, seqs, blobs).</summary>
    private static int KeysOf(Run anyRunOfTheSlot, string hash)
    {
        int n = 0;
        RepoTestKit.WithEngine(anyRunOfTheSlot, db =>
        {
            foreach (byte[] prefix in new[] { RepoKeys.Run(hash), RepoKeys.RunSeqs(hash), RepoKeys.RunBlobs(hash) })
            {
                using Iterator it = db.NewIterator(new ReadOptions { LowerBound = prefix, UpperBound = TreePath.SubtreeUpperBound(prefix) });
                for (it.Seek(prefix); it.Valid; it.Next())
                {
                    n++;
                }
            }
        });
        return n;
    }

    [Fact]
    public void Deleting_a_run_removes_it_whole_and_leaves_the_others()
    {
        using var dir = new TempDirectory();
        var rng = new Random(1);
        string doomed, kept;
        using (TreeRepo repo = TreeRepo.Open(dir.Path, new RepoOptions { SequenceChunkSize = 8 }))
        {
            using (Run a = repo.CreateRun(name: "doomed"), b = repo.CreateRun(name: "kept"))
            {
                doomed = a.Hash;
                kept = b.Hash;
                foreach (Run run in new[] { a, b })
                {
                    run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.1 };
                    for (int step = 0; step < 100; step++)
                    {
                        run.Track(step * 0.5, "loss", step);
                        run.Track(step, "acc", step, context: new Context { ["subset"] = "val" });
                    }

                    for (int step = 0; step < 5; step++)
                    {
                        run.Track(Image(rng, 6000), "images", step);
                    }
                }
            }

            Run view = repo.GetRun(kept);
            int keptKeys = KeysOf(view, kept);
            Assert.True(KeysOf(view, doomed) > 20, "the run to delete has keys in all three subtrees");
            repo.DeleteRun(doomed);

            Assert.Equal(0, KeysOf(view, doomed));
            Assert.Equal(keptKeys, KeysOf(view, kept));
            Assert.False(repo.ContainsRun(doomed));
            Assert.Equal(doomed, Assert.Throws<RunNotFoundException>(() => repo.GetRun(doomed)).Hash);
            Assert.Throws<RunNotFoundException>(() => repo.OpenRun(doomed));
            Assert.Throws<RunNotFoundException>(() => repo.DeleteRun(doomed));
            Assert.Equal([kept], repo.Runs.Select(r => r.Hash));
            AssertWhole(repo.GetRun(kept), rng: new Random(1), skipImages: 5);
        }

        using (TreeRepo repo = TreeRepo.OpenReadOnly(dir.Path))
        {
            Assert.Equal([kept], repo.Runs.Select(r => r.Hash));
            Assert.Throws<RunNotFoundException>(() => repo.GetRun(doomed));
            AssertWhole(repo.GetRun(kept), rng: new Random(1), skipImages: 5);
        }
    }

    private static void AssertWhole(Run run, Random rng, int skipImages)
    {
        for (int i = 0; i < skipImages; i++)
        {
            Image(rng, 6000); // the doomed run's images came first from the same generator
        }

        Assert.Equal("kept", run.Name);
        Assert.Equal(0.1, run.Tree["hparams", "lr"].Get<double>());
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i * 0.5), run.GetSequence("loss").Read().Numbers!);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), run.GetSequence("acc", new Context { ["subset"] = "val" }).Read().Integers!);
        SequenceData images = run.GetSequence("images").Read();
        for (int i = 0; i < 5; i++)
        {
            AimObject expected = Image(rng, 6000);
            var actual = (AimObject)images.Objects![i]!;
            Assert.Equal((byte[])expected.Fields["data"]!, ((AimBlob)actual.Fields["data"]!).Load());
        }
    }

    [Fact]
    public void Deleting_most_of_the_data_gives_the_disk_space_back()
    {
        using var dir = new TempDirectory();
        var rng = new Random(2);
        string big, small;
        long before, after;
        using (TreeRepo repo = TreeRepo.Open(dir.Path))
        {
            using (Run run = repo.CreateRun(name: "big"))
            {
                big = run.Hash;
                for (int step = 0; step < 200_000; step++)
                {
                    run.Track(rng.NextDouble(), "loss", step); // random doubles do not compress: about 1.6 MB
                }

                for (int step = 0; step < 40; step++)
                {
                    run.Track(Image(rng, 50_000), "images", step); // 2 MB of blobs
                }
            }

            using (Run run = repo.CreateRun(name: "small"))
            {
                small = run.Hash;
                for (int step = 0; step < 1000; step++)
                {
                    run.Track(step * 2.0, "loss", step);
                }
            }

            Run view = repo.GetRun(small);
            RepoTestKit.WithEngine(view, db => db.Flush()); // everything into tables, so that their size is the data's
            before = RepoTestKit.SstBytes(RepoTestKit.SlotDir(dir.Path));
            Assert.True(before > 3_000_000, $"the test needs a few MB of tables, has {before} bytes");
            repo.DeleteRun(big);
            after = RepoTestKit.SstBytes(RepoTestKit.SlotDir(dir.Path));
            Assert.Equal(Enumerable.Range(0, 1000).Select(i => i * 2.0), repo.GetRun(small).GetSequence("loss").Read().Numbers!);
        }

        output.WriteLine($"table bytes: {before} before deleting the big run, {after} after");
        Assert.True(after < before / 10, $"deleting 99% of the data left {after} of {before} table bytes");
        using TreeRepo reopened = TreeRepo.Open(dir.Path);
        Assert.False(reopened.ContainsRun(big));
        Assert.Equal(1000, reopened.GetRun(small).GetSequence("loss").Info.Count);
    }

    [Fact]
    public void An_open_run_cannot_be_deleted()
    {
        using var dir = new TempDirectory();
        using TreeRepo repo = TreeRepo.Open(dir.Path);
        Run run = repo.CreateRun();
        run.Track(1.0, "loss");
        var e = Assert.Throws<RunLockedException>(() => repo.DeleteRun(run.Hash));
        Assert.Equal(run.Hash, e.Hash);
        Assert.Contains("this process", e.Message, StringComparison.Ordinal);
        run.Track(2.0, "loss"); // still writable, nothing lost
        run.Dispose();
        Assert.Equal([1.0, 2.0], repo.GetRun(run.Hash).GetSequence("loss").Read().Numbers!);

        Run resumed = repo.OpenRun(run.Hash);
        Assert.Throws<RunLockedException>(() => repo.DeleteRun(run.Hash));
        resumed.Dispose();
        repo.DeleteRun(run.Hash);
        Assert.Empty(repo.Runs);
    }

    [Fact]
    public void A_deleted_run_can_be_recreated_around_and_the_repo_reused()
    {
        using var dir = new TempDirectory();
        using TreeRepo repo = TreeRepo.Open(dir.Path);
        var hashes = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            using Run run = repo.CreateRun(name: "r" + i);
            run.Track(i * 1.0, "loss", 0);
            hashes.Add(run.Hash);
        }

        repo.DeleteRun(hashes[1]);
        repo.DeleteRun(hashes[3]);
        using (Run run = repo.CreateRun(name: "r5"))
        {
            run.Track(5.0, "loss", 0);
            hashes.Add(run.Hash);
        }

        Assert.Equal(new[] { 0, 2, 4, 5 }.Select(i => hashes[i]).Order(StringComparer.Ordinal), repo.Runs.Select(r => r.Hash));
        Assert.Equal(["r0", "r2", "r4", "r5"], repo.Runs.Select(r => r.Name!).Order(StringComparer.Ordinal));
        Assert.All(repo.Runs, r => Assert.Equal(double.Parse(r.Name![1..], System.Globalization.CultureInfo.InvariantCulture), r.GetSequence("loss").Read().Numbers![0]));
    }
}
