using AimLsm.Tests.Testing;
using AimLsm.Tree;
using TreeRepo = AimLsm.Tree.Repo;

namespace AimLsm.Tests.Tree.Repo;

/// <summary>
/// Repo options at open (issue 16): the repo copies the caller's <see cref="RepoOptions"/> and validates the copy,
/// including the options its slots' engines get, so a bad value fails the open with the option and value named, and
/// a later change to the caller's object (or to <see cref="TreeRepo.Options"/>) changes nothing.
/// </summary>
public class RepoOptionsTests
{
    public static TheoryData<string, object> OutOfRange => new()
    {
        { nameof(RepoOptions.TrackingQueueCapacity), 0 },
        { nameof(RepoOptions.TrackingFlushInterval), TimeSpan.FromMinutes(2) },
        { nameof(RepoOptions.SequenceChunkSize), 0 },
        { nameof(RepoOptions.BlobThreshold), 1 },
        { nameof(RepoOptions.WriteBufferSize), 100L },
        { nameof(RepoOptions.BlockSize), 512 },
        { nameof(RepoOptions.BlockCacheSize), -1L },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void An_option_out_of_range_fails_the_open_naming_the_option_and_its_value(string option, object value)
    {
        using var dir = new TempDirectory();
        var options = new RepoOptions();
        typeof(RepoOptions).GetProperty(option)!.SetValue(options, value);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TreeRepo.Open(dir.Path, options));
        Assert.Equal(option, e.ParamName);
        Assert.Equal(value, e.ActualValue);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path)); // refused before anything was created
    }

    [Fact]
    public void Changing_the_options_object_after_open_changes_nothing()
    {
        using var dir = new TempDirectory();
        var options = new RepoOptions { TrackingQueueCapacity = 1024, SequenceChunkSize = 64 };
        using TreeRepo repo = TreeRepo.Open(dir.Path, options);

        // The tracking queue is built at the first Track: from the caller's object it would get a capacity of -1.
        options.TrackingQueueCapacity = -1;
        options.SequenceChunkSize = 0;
        repo.Options.TrackingQueueCapacity = -1; // a copy too
        Assert.Equal(1024, repo.Options.TrackingQueueCapacity);
        Assert.Equal(64, repo.Options.SequenceChunkSize);

        using Run run = repo.CreateRun();
        for (int i = 0; i < 100; i++)
        {
            run.Track((double)i, "loss", i);
        }

        run.Flush();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), run.GetSequence("loss").Read().Steps);
    }
}
