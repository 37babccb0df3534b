using AimLsm.Query;
using AimLsm.Kv.IO;
using AimLsm.Tests.Testing;
using AimLsm.Tree;
using TreeRepo = AimLsm.Tree.Repo;

namespace AimLsm.Tests.Tree.Repo;

/// <summary>
/// <see cref="RepoOptions.FileSystem"/> carries every file of the repo (issue 16, point 3): a repo on a
/// <see cref="MemFileSystem"/> lives in memory only. The repo's path is an empty folder on the real disk, so a file
/// that went around the option would land there and be seen.
/// </summary>
public class MemFileSystemRepoTests
{
    private static readonly Context Train = new() { ["subset"] = "train" };

    [Fact]
    public void A_repo_on_a_memory_file_system_opens_tracks_reopens_queries_and_deletes_without_touching_the_disk()
    {
        using var dir = new TempDirectory();
        var mem = new MemFileSystem();
        mem.CreateDirectory(dir.Path); // the parent must exist: Repo.Open creates the repo's own folder only
        string path = dir.Sub("runs.aimlsm");
        var options = new RepoOptions { FileSystem = mem };
        string kept, deleted;
        using (TreeRepo repo = TreeRepo.Open(path, options))
        {
            using Run a = repo.CreateRun(experiment: "mem", name: "kept");
            using Run b = repo.CreateRun(experiment: "mem", name: "deleted");
            kept = a.Hash;
            deleted = b.Hash;
            a["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.01 };
            b["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.5 };
            for (int step = 0; step < 300; step++)
            {
                a.Track(step * 0.5, "loss", step, context: Train);
                b.Track(step * 2.0, "loss", step, context: Train);
            }
        }

        Assert.True(mem.FileExists(Path.Combine(path, TreeRepo.MarkerFileName)), "the marker is in memory");
        Assert.NotEmpty(mem.ListDirectories(Path.Combine(path, "slots")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));

        using (TreeRepo repo = TreeRepo.Open(path, options))
        {
            Assert.Equal(new[] { deleted, kept }.Order(StringComparer.Ordinal), repo.Runs.Select(r => r.Hash));
            Assert.Equal([kept], repo.QueryRuns("run.hparams.lr < 0.1 and run.experiment == 'mem'").Select(r => r.Hash));
            SequenceData loss = repo.GetRun(kept).GetSequence("loss", Train).Read();
            Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), loss.Steps);
            Assert.Equal(Enumerable.Range(0, 300).Select(i => i * 0.5), loss.Numbers!);

            repo.DeleteRun(deleted);
            Assert.False(repo.ContainsRun(deleted));
        }

        using (TreeRepo reader = TreeRepo.OpenReadOnly(path, options))
        {
            Assert.Equal([kept], reader.Runs.Select(r => r.Hash));
            Assert.Empty(reader.QueryRuns("run.hparams.lr > 0.1"));
            Assert.Equal(300, reader.GetRun(kept).GetSequence("loss", Train).Read().Count);
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_repo_on_a_memory_file_system_reports_a_missing_parent_as_it_is_in_memory()
    {
        using var dir = new TempDirectory(); // exists on the disk, not in memory
        var options = new RepoOptions { FileSystem = new MemFileSystem() };
        var e = Assert.Throws<RepoNotFoundException>(() => TreeRepo.Open(dir.Sub("repo"), options));
        Assert.Contains("does not exist (ENOENT)", e.Message, StringComparison.Ordinal);
        Assert.Contains("never its parents", e.Message, StringComparison.Ordinal);
        Assert.Throws<RepoNotFoundException>(() => TreeRepo.OpenReadOnly(dir.Path, options));
    }
}
