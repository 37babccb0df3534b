using AimLsm.Tests.IO;
using AimLsm.Tests.Testing;
using AimLsm.Tree;
using Xunit.Abstractions;
using TreeRepo = AimLsm.Tree.Repo;

namespace AimLsm.Tests.Tree.Repo;

/// <summary>
/// Bad input (issue 7, item 6): each mistake gets a clear exception of the documented type, and nothing already
/// stored is lost (every test checks the earlier data after the error, after a flush, and after a reopen).
/// </summary>
public class BadInputTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _output = output;

    private static readonly Context Train = new() { ["subset"] = "train" };

    /// <summary>A repo with one run holding known params and two sequences; <see cref="AssertIntact"/> checks them.</summary>
    private sealed class Fixture : IDisposable
    {
        private readonly TempDirectory _dir = new();

        public Fixture()
        {
            Repo = TreeRepo.Open(Path);
            Run = Repo.CreateRun(name: "victim");
            Run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.1, ["tags"] = new[] { "x" } };
            for (int step = 0; step < 10; step++)
            {
                Run.Track(step * 1.5, "loss", step, context: Train);
                Run.Track("s" + step, "notes");
            }

            Run.Flush();
        }

        public string Path => _dir.Sub("repo");

        public TreeRepo Repo { get; private set; }

        public Run Run { get; private set; }

        /// <summary>Flushes, checks, reopens the repo (resuming the run) and checks again.</summary>
        public void AssertIntact(int extraLoss = 0)
        {
            Run.Flush();
            Check(Run, extraLoss);
            string hash = Run.Hash;
            Repo.Dispose();
            Repo = TreeRepo.Open(Path);
            Run = Repo.OpenRun(hash);
            Check(Run, extraLoss);
        }

        private static void Check(Run run, int extraLoss)
        {
            Assert.Equal(0.1, run.Tree["hparams", "lr"].Get<double>());
            Assert.Equal(["x"], run.Tree["hparams", "tags"].Get<string[]>());
            SequenceData loss = run.GetSequence("loss", Train).Read();
            Assert.Equal(Enumerable.Range(0, 10 + extraLoss).Select(i => (long)i), loss.Steps);
            Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 1.5), loss.Numbers!.Take(10));
            SequenceData notes = run.GetSequence("notes").Read();
            Assert.Equal(Enumerable.Range(0, 10).Select(i => "s" + i), notes.Objects!.Cast<string>());
            Assert.Equal(["loss", "notes"], run.Sequences.Select(s => s.Name).Order(StringComparer.Ordinal));
        }

        public void Dispose()
        {
            Repo.Dispose();
            _dir.Dispose();
        }
    }

    [Fact]
    public void An_unsupported_value_type_names_the_path_inside_the_value_and_the_type()
    {
        using var f = new Fixture();
        var nested = new Dictionary<string, object?> { ["cfg"] = new Dictionary<string, object?> { ["when"] = new DateTime(2024, 1, 1) } };
        var e = Assert.Throws<ArgumentException>(() => f.Run.Track(nested, "loss", context: Train));
        Assert.Contains("System.DateTime", e.Message, StringComparison.Ordinal);
        Assert.Contains("('cfg', 'when')", e.Message, StringComparison.Ordinal);
        Assert.Contains("'loss'", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => f.Run.Track(new Uri("http://x"), "fresh"));
        Assert.Contains("System.Uri", e.Message, StringComparison.Ordinal);
        Assert.Contains("'fresh'", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => f.Run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.2, ["opt"] = new { Name = "adam" } });
        Assert.Contains("'hparams', 'opt')", e.Message, StringComparison.Ordinal);
        Assert.Contains("AnonymousType", e.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be stored", e.Message, StringComparison.Ordinal);

        f.Run.Track(15.0, "loss", context: Train); // the default step did not move: 10
        f.AssertIntact(extraLoss: 1);
        Assert.DoesNotContain(f.Run.Sequences, s => s.Name == "fresh"); // a refused first value leaves no sequence behind
    }

    [Fact]
    public void An_empty_key_or_name_is_refused()
    {
        using var f = new Fixture();
        var e = Assert.Throws<ArgumentException>(() => f.Run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.5, [""] = 1 });
        Assert.Contains("empty", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => f.Run.Track(new Dictionary<string, object?> { ["ok"] = 1, [""] = 2 }, "dicts"));
        Assert.Throws<ArgumentException>(() => f.Run.Track(1.0, ""));
        Assert.Throws<ArgumentException>(() => f.Run.Track(new Dictionary<string, object?> { [""] = 1.0 })); // the dict form: the key is the name
        Assert.Throws<ArgumentException>(() => f.Run.GetSequence(""));
        Assert.Throws<ArgumentException>(() => f.Run.Tree[""]);
        Assert.Throws<ArgumentException>(() => f.Run.Tree["hparams", ""].Set(1));
        f.AssertIntact();
    }

    [Fact]
    public void A_value_of_another_dtype_is_refused_and_the_next_default_step_is_unchanged()
    {
        using var f = new Fixture();
        var e = Assert.Throws<ArgumentException>(() => f.Run.Track("high", "loss", context: Train));
        Assert.Contains("float", e.Message, StringComparison.Ordinal);
        Assert.Contains("str", e.Message, StringComparison.Ordinal);
        Assert.Contains("'loss'", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => f.Run.Track(null, "loss", 3, context: Train));
        Assert.Throws<ArgumentException>(() => f.Run.Track(true, "loss", context: Train));
        Assert.Throws<ArgumentException>(() => f.Run.GetSequence("loss", Train).Track(new[] { 1.0 }));
        Assert.Throws<ArgumentException>(() => f.Run.Track(1.0, "notes"));
        f.Run.Track(7L, "loss", context: Train); // int joins float: the sequence becomes "number"
        f.AssertIntact(extraLoss: 1);
        Assert.Equal("number", f.Run.GetSequence("loss", Train).Info.Dtype);
        Assert.Equal(7.0, f.Run.GetSequence("loss", Train).Read().Numbers![10]);
    }

    [Fact]
    public void An_epoch_of_long_MinValue_is_refused()
    {
        using var f = new Fixture();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => f.Run.Track(1.0, "loss", epoch: long.MinValue, context: Train));
        Assert.Equal("epoch", e.ParamName);
        f.Run.Track(1.0, "loss", epoch: long.MaxValue, context: Train);
        f.AssertIntact(extraLoss: 1);
        Assert.Equal(long.MaxValue, f.Run.GetSequence("loss", Train).Read(10, 11).Epochs[0]);
    }

    [Fact]
    public void Bad_sample_sizes_are_refused()
    {
        using var f = new Fixture();
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Run.GetSequence("loss", Train).Sample(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Run.GetSequence("loss", Train).Sample(-3));
        f.AssertIntact();
    }

    [Fact]
    public void A_folder_that_is_not_a_repo_is_refused()
    {
        using var dir = new TempDirectory();
        string other = dir.Sub("other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "notes.txt"), "mine");
        var e = Assert.Throws<RepoNotFoundException>(() => TreeRepo.Open(other));
        Assert.Equal(Path.GetFullPath(other), e.Path);
        Assert.Contains(TreeRepo.MarkerFileName, e.Message, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(other).Select(Path.GetFileName)); // nothing written

        Assert.Throws<RepoNotFoundException>(() => TreeRepo.OpenReadOnly(other));
        var missing = Assert.Throws<RepoNotFoundException>(() => TreeRepo.OpenReadOnly(dir.Sub("missing")));
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Sub("missing")));
        string empty = dir.Sub("empty");
        Directory.CreateDirectory(empty);
        Assert.Throws<RepoNotFoundException>(() => TreeRepo.OpenReadOnly(empty)); // read-only never creates

        string newer = dir.Sub("newer");
        TreeRepo.Open(newer).Dispose();
        File.WriteAllText(Path.Combine(newer, TreeRepo.MarkerFileName), $"AimLsm repo\nformat {TreeRepo.FormatVersion + 1}\n");
        Assert.Contains("Upgrade", Assert.Throws<RepoNotFoundException>(() => TreeRepo.Open(newer)).Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(newer, TreeRepo.MarkerFileName), "garbage");
        Assert.Throws<RepoNotFoundException>(() => TreeRepo.OpenReadOnly(newer));
    }

    [Fact]
    public void A_missing_run_is_RunNotFoundException()
    {
        using var f = new Fixture();
        const string hash = "0123456789abcdef01234567";
        Assert.Equal(hash, Assert.Throws<RunNotFoundException>(() => f.Repo.GetRun(hash)).Hash);
        Assert.Contains(hash, Assert.Throws<RunNotFoundException>(() => f.Repo.OpenRun(hash)).Message, StringComparison.Ordinal);
        Assert.Throws<RunNotFoundException>(() => f.Repo.DeleteRun(hash));
        Assert.False(f.Repo.ContainsRun(hash));
        using (TreeRepo readOnly = TreeRepo.OpenReadOnly(f.Path))
        {
            Assert.Throws<RunNotFoundException>(() => readOnly.GetRun(hash));
        }

        f.AssertIntact();
    }

    [Fact]
    public void Writes_through_a_read_only_repo_or_run_are_refused()
    {
        using var f = new Fixture();
        string hash = f.Run.Hash;
        using (TreeRepo readOnly = TreeRepo.OpenReadOnly(f.Path))
        {
            Assert.True(readOnly.IsReadOnly);
            Assert.Contains("read-only", Assert.Throws<InvalidOperationException>(() => readOnly.CreateRun()).Message, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => readOnly.OpenRun(hash));
            Assert.Throws<InvalidOperationException>(() => readOnly.DeleteRun(hash));
            AssertRefusesWrites(readOnly.GetRun(hash));
        }

        AssertRefusesWrites(f.Repo.GetRun(hash)); // a view from a writable repo is read-only too
        f.AssertIntact();

        static void AssertRefusesWrites(Run view)
        {
            Assert.True(view.IsReadOnly);
            var e = Assert.Throws<InvalidOperationException>(() => view.Track(1.0, "loss", context: Train));
            Assert.Contains("OpenRun", e.Message, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => view.Track(new Dictionary<string, object?> { ["loss"] = 1.0 }));
            Assert.Throws<InvalidOperationException>(() => view.GetSequence("loss", Train).Track(1.0));
            Assert.Throws<InvalidOperationException>(() => view["hparams"] = 1);
            Assert.Throws<InvalidOperationException>(() => view.Tree["hparams", "lr"].Delete());
            Assert.Throws<InvalidOperationException>(() => view.Name = "renamed");
            Assert.Throws<InvalidOperationException>(() => view.AddTag("t"));
            Assert.Throws<InvalidOperationException>(() => view.Archived = true);
            Assert.Equal("victim", view.Name);
        }
    }

    [Fact]
    public void Writes_through_a_disposed_run_are_refused()
    {
        using var f = new Fixture();
        Run run = f.Run;
        run.Dispose();
        Assert.Throws<ObjectDisposedException>(() => run.Track(1.0, "loss", context: Train));
        Assert.Throws<ObjectDisposedException>(() => run["hparams"] = 2);
        Assert.False(f.Repo.GetRun(run.Hash).Active);
        Assert.Throws<RunLockedException>(() => f.Repo.OpenRun(f.Repo.CreateRun().Hash)); // open in this process
    }

    [Fact]
    public void A_context_holds_only_scalars_under_non_empty_keys()
    {
        Assert.Contains("System.Object", Assert.Throws<ArgumentException>(() => new Context { ["x"] = new object() }).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new Context { ["x"] = new[] { 1 } });
        Assert.Throws<ArgumentException>(() => new Context { ["x"] = new Dictionary<string, object?>() });
        Assert.Throws<ArgumentException>(() => new Context { ["x"] = ulong.MaxValue });
        Assert.Throws<ArgumentException>(() => new Context { [""] = 1 });
        Assert.Throws<ArgumentException>(() => new Context(new Dictionary<string, object?> { ["ok"] = 1, ["bad"] = DateTime.UnixEpoch }));

        var context = new Context { ["b"] = 2, ["a"] = 1.5f, ["c"] = null, ["d"] = "s", ["e"] = true };
        Assert.Equal(new Context { ["e"] = true, ["d"] = "s", ["c"] = null, ["a"] = 1.5, ["b"] = 2L }, context); // normalized, order-free
        Assert.Equal("{'a': 1.5, 'b': 2, 'c': None, 'd': 's', 'e': True}", context.ToString());
    }

    [Fact]
    public void Changing_a_context_after_tracking_changes_nothing_stored()
    {
        using var f = new Fixture();
        var context = new Context { ["subset"] = "val" };
        f.Run.Track(1.0, "acc", 0, context: context);
        context["subset"] = "test";
        f.Run.Track(2.0, "acc", 1, context: new Context { ["subset"] = "val" });
        f.Run.Flush();
        Assert.Equal([0L, 1], f.Run.GetSequence("acc", new Context { ["subset"] = "val" }).Read().Steps);
        Assert.Equal(new Context { ["subset"] = "val" }, f.Run.Sequences.Single(s => s.Name == "acc").Context);
    }

    [Fact]
    public void Opening_a_file_a_dangling_link_or_an_empty_folder_read_only_says_which()
    {
        using var dir = new TempDirectory();
        string file = dir.Sub("plain.txt");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<RepoNotFoundException>(() => TreeRepo.OpenReadOnly(file));
        Assert.Contains($"'{file}' is a file, not a folder", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("does not exist", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<RepoNotFoundException>(() => TreeRepo.Open(file));
        Assert.Contains("is a file", e.Message, StringComparison.Ordinal);

        string empty = dir.Sub("empty");
        Directory.CreateDirectory(empty);
        e = Assert.Throws<RepoNotFoundException>(() => TreeRepo.OpenReadOnly(empty));
        Assert.Contains("is an empty folder", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<RepoNotFoundException>(() => TreeRepo.OpenReadOnly(Path.Combine(file, "repo")));
        Assert.Contains($"'{file}' is a file, not a folder (ENOTDIR)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<RepoNotFoundException>(() => TreeRepo.Open(Path.Combine(file, "repo")));
        Assert.Contains("(ENOTDIR)", e.Message, StringComparison.Ordinal);

        if (OperatingSystem.IsLinux())
        {
            string link = dir.Sub("link");
            File.CreateSymbolicLink(link, dir.Sub("gone"));
            foreach (Func<TreeRepo> open in new Func<TreeRepo>[] { () => TreeRepo.OpenReadOnly(link), () => TreeRepo.Open(link) })
            {
                e = Assert.Throws<RepoNotFoundException>(open);
                Assert.Contains($"'{link}' is a symbolic link to '{dir.Sub("gone")}', which does not exist", e.Message, StringComparison.Ordinal);
            }
        }

        Assert.Equal(OperatingSystem.IsLinux() ? ["empty", "link", "plain.txt"] : ["empty", "plain.txt"], OpenChildProcess.Tree(dir.Path));
    }

    [Fact]
    public void Repo_Open_creates_its_own_folder_only_and_names_the_missing_parent()
    {
        using var dir = new TempDirectory();
        string parent = dir.Sub("missing");
        var e = Assert.Throws<RepoNotFoundException>(() => TreeRepo.Open(Path.Combine(parent, "repo")));
        Assert.Contains($"its parent folder '{parent}' does not exist (ENOENT)", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
        TreeRepo.Open(parent).Dispose();
    }

    [Fact]
    public void On_a_read_only_bind_mount_taking_a_slot_fails_with_EROFS_not_with_a_dead_holder()
    {
        using var dir = new TempDirectory();
        if (OpenChildProcess.ReadOnlyBindMount(dir.Path, _output, out string source, out string mount) is not { } wrapper)
        {
            return;
        }

        CreateRepoWithDeadWriter(Path.Combine(source, "repo"));
        string[] before = OpenChildProcess.Tree(source);
        string repo = Path.Combine(mount, "repo");
        foreach (string target in new[] { "repo-resume", "repo-run" })
        {
            string refusal = OpenChildProcess.Refusal(OpenChildProcess.Run(wrapper, target, repo));
            Assert.Contains("read-only file system (EROFS)", refusal, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(repo, "slots", "0000"), refusal, StringComparison.Ordinal);
            Assert.DoesNotContain("being written by", refusal, StringComparison.Ordinal);
            Assert.DoesNotContain(DeadPid, refusal, StringComparison.Ordinal);
        }

        Assert.Equal(["opened"], OpenChildProcess.Run(wrapper, "repo-readonly", repo));
        string fresh = OpenChildProcess.Refusal(OpenChildProcess.Run(wrapper, "repo", Path.Combine(mount, "fresh")));
        Assert.Contains($"'{Path.Combine(mount, "fresh")}': read-only file system (EROFS)", fresh, StringComparison.Ordinal);
        Assert.Equal(before, OpenChildProcess.Tree(source));
    }

    [Fact]
    public void Permission_denied_and_out_of_descriptors_name_their_cause_when_taking_a_slot()
    {
        string? why = OpenChildProcess.Unavailable("/usr/bin/setpriv", "/usr/bin/prlimit");
        if (why is not null || !OperatingSystem.IsLinux())
        {
            _output.WriteLine("skipped: " + (why ?? "not Linux"));
            return;
        }

        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8)); // nobody may look, not write
        string repo = dir.Sub("repo");
        CreateRepoWithDeadWriter(repo);
        string[] before = OpenChildProcess.Tree(dir.Path);

        string[] nobody = OpenChildProcess.Nobody;
        foreach (string target in new[] { "repo-resume", "repo-run" })
        {
            string refusal = OpenChildProcess.Refusal(OpenChildProcess.Run(nobody, target, repo));
            Assert.Contains("permission denied (EACCES)", refusal, StringComparison.Ordinal);
            Assert.DoesNotContain("being written by", refusal, StringComparison.Ordinal);
        }

        string fresh = OpenChildProcess.Refusal(OpenChildProcess.Run(nobody, "repo", dir.Sub("fresh")));
        Assert.Contains($"'{dir.Sub("fresh")}': permission denied (EACCES)", fresh, StringComparison.Ordinal);
        Assert.Equal(["opened"], OpenChildProcess.Run(nobody, "repo-readonly", repo));
        Assert.Equal(before, OpenChildProcess.Tree(dir.Path));

        string[] lines = OpenChildProcess.Run(OpenChildProcess.LowDescriptorLimit, "repo-resume", repo, "exhaust-fds");
        _output.WriteLine(string.Join(Environment.NewLine, lines));
        string emfile = OpenChildProcess.Refusal(lines);
        Assert.Contains("too many open files (EMFILE)", emfile, StringComparison.Ordinal);
        Assert.DoesNotContain("being written by", emfile, StringComparison.Ordinal);
    }

    private const string DeadPid = "pid 2147483646 ";

    /// <summary>A repo with one run whose writer is gone, and an owner file naming a process that does not exist.</summary>
    private static void CreateRepoWithDeadWriter(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        using (TreeRepo repo = TreeRepo.Open(path))
        {
            using Run run = repo.CreateRun(name: "left");
            run.Track(1.0, "loss");
        }

        File.WriteAllText(Path.Combine(path, "slots", "0000.owner"), DeadPid + "on elsewhere since 2020-01-01T00:00:00Z\n");
    }
}
