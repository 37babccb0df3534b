using AimLsm.Kv;
using AimLsm.Tests.Testing;
using AimLsm.Tree;
using Microsoft.Extensions.Logging;
using TreeRepo = AimLsm.Tree.Repo;
using AimLsm.Query;

namespace AimLsm.Tests.Tree.Repo;

/// <summary>
/// A repo whose newest points live only in a slot's WAL, with one bit of that WAL flipped (issue 14, point 1): the
/// default refuses the damaged slot loudly (quarantine, report, log) while the rest of the repo opens, tracks and
/// serves; no takeover deletes the damaged log; every recovery mode does what docs/aim-repo.md says; and opting in
/// to the loss recovers the prefix with the report and the damaged log kept.
/// </summary>
public class DamagedWalTests
{
    private const int Points = 2000;

    private static double LossAt(int step) => 1.0 / (step + 1);

    /// <summary>
    /// Builds, under <paramref name="dir"/>, the image of a repo whose writer died after <c>Flush</c>: slot 0000 holds
    /// run A, whose <see cref="Points"/> points are only in the WAL (the repo is copied while still open, as a killed
    /// process leaves its files), and slot 0001 holds run B, closed cleanly. One bit of slot 0000's WAL is flipped in
    /// the middle of what was synced. Returns the image's path, both hashes and the damaged WAL.
    /// </summary>
    internal static (string Path, string A, string B, string Wal, byte[] WalBytes) BuildDamaged(TempDirectory dir)
    {
        string live = dir.Sub("live"), image;
        string a, b;
        using (TreeRepo writerA = TreeRepo.Open(live))
        {
            Run runA = writerA.CreateRun(experiment: "damaged");
            a = runA.Hash;
            for (int i = 0; i < Points; i++)
            {
                runA.Track(LossAt(i), name: "loss", step: i);
            }
            runA.Flush();
            using (TreeRepo writerB = TreeRepo.Open(live))
            using (Run runB = writerB.CreateRun(experiment: "healthy"))
            {
                b = runB.Hash;
                for (int i = 0; i < Points; i++)
                {
                    runB.Track(LossAt(i), name: "loss", step: i);
                }
            }
            image = dir.CopyOf(live, "image");
        }

        string slot = RepoTestKit.SlotDir(image, "0000");
        // A live WAL written through the mapping ends in reserved zeros (docs/format.md 5.1): its records end at the
        // last byte that is not zero, and the damage goes in the middle of them.
        static int DataEnd(byte[] file) => file.AsSpan().LastIndexOfAnyExcept((byte)0) + 1;
        string wal = Directory.GetFiles(slot, "*.log").OrderByDescending(f => DataEnd(File.ReadAllBytes(f))).First();
        byte[] bytes = File.ReadAllBytes(wal);
        int end = DataEnd(bytes);
        Assert.True(end > 10_000, $"the run's points should be in the WAL ({end} bytes)");
        bytes[end / 2] ^= 0x10;
        File.WriteAllBytes(wal, bytes);
        return (image, a, b, wal, bytes);
    }

    /// <summary>Points of the loss sequence a recovered prefix holds (the sequence may not exist at all).</summary>
    private static long LossCount(Run run) =>
        run.Sequences.Any(s => s.Name == "loss") ? run.GetSequence("loss").Read().Count : 0;

    private static void AssertWholeLoss(Run run)
    {
        SequenceData loss = run.GetSequence("loss").Read();
        Assert.Equal(Points, loss.Count);
        for (int i = 0; i < Points; i++)
        {
            Assert.Equal(i, loss.Steps[i]);
            Assert.Equal(LossAt(i), loss.Numbers![i]);
        }
    }

    private static void AssertQuarantined(TreeRepo repo, string a, string wal)
    {
        RepoRecoveryReport report = repo.RecoveryReport;
        Assert.True(report.HasQuarantine, report.ToString());
        SlotRecoveryReport slot = Assert.Single(report.Slots);
        Assert.Equal("0000", slot.Slot);
        Assert.Equal(wal, slot.Quarantine!.File);
        Assert.Contains(a, slot.Runs);
        CorruptionException e = Assert.Throws<CorruptionException>(() => repo.GetRun(a));
        Assert.Equal(wal, e.File);
        Assert.Equal(slot.Quarantine.Offset, e.Offset);
        Assert.Contains("quarantined", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void By_default_a_read_only_repo_quarantines_the_damaged_slot_and_serves_the_rest()
    {
        using var dir = new TempDirectory();
        (string path, string a, string b, string wal, _) = BuildDamaged(dir);
        using TreeRepo repo = TreeRepo.OpenReadOnly(path);
        AssertQuarantined(repo, a, wal);
        // Never 799 of 2,000 points: the damaged run is not served at all, the healthy one whole.
        Assert.Equal([b], repo.Runs.Select(r => r.Hash));
        Assert.Equal([b], repo.QueryRuns("run.experiment != ''").Select(r => r.Hash));
        Assert.True(repo.ContainsRun(a));
        AssertWholeLoss(repo.GetRun(b));
    }

    [Fact]
    public void By_default_a_writer_never_takes_the_damaged_slot_over_and_tracks_elsewhere()
    {
        using var dir = new TempDirectory();
        (string path, string a, string b, string wal, byte[] walBytes) = BuildDamaged(dir);
        string c;
        using (TreeRepo repo = TreeRepo.Open(path))
        {
            AssertQuarantined(repo, a, wal);
            Assert.Throws<CorruptionException>(() => repo.OpenRun(a));
            Assert.Throws<CorruptionException>(() => repo.DeleteRun(a));
            using Run run = repo.CreateRun(experiment: "after");
            c = run.Hash;
            for (int i = 0; i < Points; i++)
            {
                run.Track(LossAt(i), name: "loss", step: i);
            }
        }
        // The damaged WAL is where it was, byte for byte: no takeover recovered it destructively.
        Assert.Equal(walBytes, File.ReadAllBytes(wal));
        using TreeRepo reader = TreeRepo.OpenReadOnly(path);
        AssertWholeLoss(reader.GetRun(b));
        AssertWholeLoss(reader.GetRun(c));
        RepoTestKit.WithEngine(reader.GetRun(c), db => Assert.NotEqual("0000", Path.GetFileName(db.Path)));
    }

    [Fact]
    public void Opting_in_to_the_loss_recovers_the_prefix_reports_it_and_keeps_the_damaged_log()
    {
        using var dir = new TempDirectory();
        (string path, string a, string b, string wal, byte[] walBytes) = BuildDamaged(dir);
        var options = new RepoOptions { VerifySyncedWal = false };
        using (TreeRepo repo = TreeRepo.Open(path, options))
        {
            Assert.False(repo.RecoveryReport.HasQuarantine);
            SlotRecoveryReport found = Assert.Single(repo.RecoveryReport.Slots);
            Assert.True(found.Wal!.StoppedEarly);
            Assert.Equal(wal, found.Wal.Problems[0].File);
            using Run run = repo.OpenRun(a); // the takeover: recovers the slot for writing
            Assert.InRange(LossCount(run), 0, Points - 1);
            Assert.Contains(repo.RecoveryReport.Slots, s => s.Wal?.KeptLogs.Contains(wal + ".damaged") == true);
        }
        Assert.False(File.Exists(wal));
        Assert.Equal(walBytes, File.ReadAllBytes(wal + ".damaged"));
        // Later opens, with the default check, leave the kept log alone and serve the recovered prefix.
        using TreeRepo again = TreeRepo.Open(path);
        Assert.True(again.RecoveryReport.IsClean, again.RecoveryReport.ToString());
        Assert.InRange(LossCount(again.GetRun(a)), 0, Points - 1);
        AssertWholeLoss(again.GetRun(b));
        Assert.True(File.Exists(wal + ".damaged"));
    }

    [Theory]
    [InlineData(WalRecoveryMode.AbsoluteConsistency, true)]
    [InlineData(WalRecoveryMode.TolerateCorruptedTailRecords, true)]
    [InlineData(WalRecoveryMode.PointInTime, true)]
    [InlineData(WalRecoveryMode.SkipAnyCorruptedRecords, false)]
    public void Each_recovery_mode_through_RepoOptions(WalRecoveryMode mode, bool quarantines)
    {
        using var dir = new TempDirectory();
        (string path, string a, string b, string wal, _) = BuildDamaged(dir);
        using TreeRepo repo = TreeRepo.OpenReadOnly(path, new RepoOptions { WalRecoveryMode = mode });
        Assert.Equal(quarantines, repo.RecoveryReport.HasQuarantine);
        if (quarantines)
        {
            AssertQuarantined(repo, a, wal);
        }
        else
        {
            SlotRecoveryReport found = Assert.Single(repo.RecoveryReport.Slots);
            Assert.Equal(wal, found.Wal!.Problems[0].File);
            Assert.InRange(LossCount(repo.GetRun(a)), 0, Points); // salvaged: readable, the report says what was skipped
        }
        AssertWholeLoss(repo.GetRun(b));
    }

    [Fact]
    public void The_finding_is_logged_as_an_error_naming_the_file()
    {
        using var dir = new TempDirectory();
        (string path, _, _, string wal, _) = BuildDamaged(dir);
        var logger = new ListLogger();
        using TreeRepo repo = TreeRepo.OpenReadOnly(path, new RepoOptions { Logger = logger });
        (LogLevel level, string text) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Error, level);
        Assert.Contains(wal, text, StringComparison.Ordinal);
        Assert.Contains("QUARANTINED", text, StringComparison.Ordinal);
        // A refresh checks the slot again and finds the same damage: still quarantined, not logged twice.
        repo.Refresh();
        Assert.Equal(2, repo.Runs.Count() + 1);
        Assert.True(repo.RecoveryReport.HasQuarantine);
        Assert.Single(logger.Entries);
    }

    /// <summary>Keeps what is logged.</summary>
    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Text)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
