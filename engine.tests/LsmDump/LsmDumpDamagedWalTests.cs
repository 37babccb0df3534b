using AimLsm.Tests.Testing;
using AimLsm.Tests.Tree.Repo;
using AimLsm.Tree;

namespace AimLsm.Tests.LsmDump;

/// <summary>
/// <c>lsm-dump db</c> on a writer slot whose WAL is damaged (issue 14, point 1): it says what the engine's default
/// recovery will do with each WAL (refuse damage in synced bytes, recover damage after the last sync), and it lists a
/// WAL that an accepted recovery kept aside.
/// </summary>
public class LsmDumpDamagedWalTests
{
    [Fact]
    public void Db_says_recovery_refuses_damage_in_synced_bytes_then_lists_the_kept_log_once_the_loss_is_accepted()
    {
        using var dir = new TempDirectory();
        (string path, string damaged, _, string wal, _) = DamagedWalTests.BuildDamaged(dir);
        string slot = Path.GetDirectoryName(wal)!;

        LsmDumpRunner.Result before = LsmDumpRunner.Run("db", slot);
        Assert.Equal(0, before.ExitCode);
        string walLine = Assert.Single(before.Stdout.Split('\n'), l => l.Contains($"wal name={Path.GetFileName(wal)} ", StringComparison.Ordinal));
        Assert.Contains("recovery='refuses: ", walLine, StringComparison.Ordinal);
        Assert.Contains("before the synced offset", walLine, StringComparison.Ordinal);
        Assert.DoesNotContain("synced_to=0 ", walLine, StringComparison.Ordinal);

        using (Repo repo = Repo.Open(path, new RepoOptions { VerifySyncedWal = false }))
        using (repo.OpenRun(damaged))
        {
        }

        LsmDumpRunner.Result after = LsmDumpRunner.Run("db", slot);
        Assert.Equal(0, after.ExitCode);
        string kept = Path.GetFileName(wal) + ".damaged";
        Assert.Contains($"wal name={kept} ", after.Stdout, StringComparison.Ordinal);
        Assert.Contains($"file name={kept} ", after.Stdout, StringComparison.Ordinal);
        Assert.Contains("status='damaged (kept by recovery)'", after.Stdout, StringComparison.Ordinal);
        // The kept log stays readable by the wal command, damage and all.
        LsmDumpRunner.Result walDump = LsmDumpRunner.Run("wal", Path.Combine(slot, kept));
        Assert.Contains("problem", walDump.Stdout, StringComparison.Ordinal);
    }
}
