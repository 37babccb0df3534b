using System.Text;
using AimLsm.Kv.IO;
using AimLsm.Testing;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.Crash;

/// <summary>The fault-injecting file system's own contract: what a power loss keeps, and when errors fire.</summary>
public class FaultInjectionFileSystemTests
{
    private static byte[] B(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    private static (MemFileSystem Mem, FaultInjectionFileSystem Fs) NewFs()
    {
        var mem = new MemFileSystem();
        mem.CreateDirectory("/d");
        return (mem, new FaultInjectionFileSystem(mem));
    }

    [Fact]
    public void Power_loss_keeps_synced_bytes_and_drops_the_rest()
    {
        (MemFileSystem mem, FaultInjectionFileSystem fs) = NewFs();
        IWritableFile f = fs.Create("/d/a");
        fs.SyncDirectory("/d");
        f.Append(B("durable"));
        f.Sync();
        f.Append(B("-lost"));
        f.Flush();
        Assert.Equal(5, fs.UnsyncedBytes);
        PowerLossStats s = fs.SimulatePowerLoss();
        Assert.Equal(5, s.BytesDropped);
        Assert.Equal(B("durable"), FsBytes.Read(mem, "/d/a"));
        Assert.Throws<IOException>(() => f.Append(B("x"))); // the handle died with the machine
        Assert.Throws<IOException>(() => fs.FileExists("/d/a")); // off until rebooted
        fs.Active = true;
        Assert.True(fs.FileExists("/d/a"));
    }

    [Fact]
    public void Torn_writes_keep_a_prefix_of_the_unsynced_bytes()
    {
        (MemFileSystem mem, FaultInjectionFileSystem fs) = NewFs();
        IWritableFile f = fs.Create("/d/a");
        fs.SyncDirectory("/d");
        f.Append(B("0123456789"));
        fs.SimulatePowerLoss(new Random(7));
        byte[] kept = FsBytes.Read(mem, "/d/a");
        Assert.True(B("0123456789").AsSpan().StartsWith(kept));
    }

    [Fact]
    public void A_synced_file_without_a_directory_sync_vanishes()
    {
        (MemFileSystem mem, FaultInjectionFileSystem fs) = NewFs();
        IWritableFile f = fs.Create("/d/new");
        f.Append(B("data"));
        f.Sync();
        Assert.Equal(1, fs.SimulatePowerLoss().FilesRemoved);
        Assert.False(mem.FileExists("/d/new"));
    }

    [Fact]
    public void An_unsynced_rename_is_undone_and_the_replaced_file_comes_back()
    {
        (MemFileSystem mem, FaultInjectionFileSystem fs) = NewFs();
        FsBytes.Write(mem, "/d/CURRENT", B("MANIFEST-000001\n")); // durable before the wrapper
        IWritableFile t = fs.Create("/d/000002.dbtmp");
        t.Append(B("MANIFEST-000002\n"));
        t.Sync();
        fs.Rename("/d/000002.dbtmp", "/d/CURRENT");
        PowerLossStats s = fs.SimulatePowerLoss();
        Assert.Equal(1, s.RenamesUndone);
        Assert.Equal(B("MANIFEST-000001\n"), FsBytes.Read(mem, "/d/CURRENT"));
        Assert.False(mem.FileExists("/d/000002.dbtmp")); // its creation was never durable either
    }

    [Fact]
    public void A_directory_sync_makes_creations_renames_and_deletions_durable()
    {
        (MemFileSystem mem, FaultInjectionFileSystem fs) = NewFs();
        FsBytes.Write(mem, "/d/old", B("old"));
        IWritableFile t = fs.Create("/d/tmp");
        t.Append(B("new"));
        t.Sync();
        fs.Rename("/d/tmp", "/d/CURRENT");
        fs.Delete("/d/old");
        fs.SyncDirectory("/d");
        PowerLossStats s = fs.SimulatePowerLoss();
        Assert.Equal(default, s);
        Assert.Equal(B("new"), FsBytes.Read(mem, "/d/CURRENT"));
        Assert.False(mem.FileExists("/d/old"));
    }

    [Fact]
    public void An_unsynced_delete_is_undone_with_the_synced_bytes()
    {
        (MemFileSystem mem, FaultInjectionFileSystem fs) = NewFs();
        IWritableFile f = fs.Create("/d/w.log");
        fs.SyncDirectory("/d");
        f.Append(B("synced"));
        f.Sync();
        f.Append(B("+not"));
        fs.Delete("/d/w.log");
        Assert.Equal(1, fs.SimulatePowerLoss().DeletesUndone);
        Assert.Equal(B("synced"), FsBytes.Read(mem, "/d/w.log"));
    }

    [Fact]
    public void Power_loss_releases_locks_taken_through_it()
    {
        (_, FaultInjectionFileSystem fs) = NewFs();
        IDisposable? l = fs.TryLock("/d/LOCK");
        Assert.NotNull(l);
        Assert.Null(fs.TryLock("/d/LOCK"));
        fs.SimulatePowerLoss();
        fs.Active = true;
        IDisposable? again = fs.TryLock("/d/LOCK");
        Assert.NotNull(again);
        l!.Dispose(); // the dead holder's release must not release the new holder's lock
        Assert.Null(fs.TryLock("/d/LOCK"));
    }

    [Fact]
    public void An_error_fires_at_the_chosen_operation_once_or_sticky()
    {
        (_, FaultInjectionFileSystem fs) = NewFs();
        IWritableFile f = fs.Create("/d/a");
        fs.InjectErrorAt(FaultKind.Sync, 1);
        f.Sync();
        IOException e = Assert.Throws<IOException>(f.Sync);
        Assert.Contains("injected", e.Message, StringComparison.Ordinal);
        f.Sync();
        fs.InjectErrorAt(FaultKind.Write | FaultKind.Rename, 0, sticky: true, FaultError.IoError);
        Assert.Throws<IOException>(() => f.Append(B("x")));
        Assert.Throws<IOException>(() => fs.Rename("/d/a", "/d/b"));
        Assert.Equal(3, fs.FaultsInjected);
        Assert.Equal(2, fs.Faults(FaultKind.Sync | FaultKind.Write));
        fs.StopInjecting();
        f.Append(B("x"));
        fs.Reset();
        Assert.Equal(0, fs.FaultsInjected);
    }

    [Fact]
    public void Random_errors_replay_from_their_seed()
    {
        static string Run(int seed)
        {
            (_, FaultInjectionFileSystem fs) = NewFs();
            IWritableFile f = fs.Create("/d/a");
            fs.InjectErrors(FaultKind.Write, 0.3, seed);
            var sb = new StringBuilder();
            for (int i = 0; i < 100; i++)
            {
                try
                {
                    f.Append(B("x"));
                    sb.Append('.');
                }
                catch (IOException)
                {
                    sb.Append('X');
                }
            }
            return sb.ToString();
        }
        Assert.Equal(Run(5), Run(5));
        Assert.Contains('X', Run(5));
        Assert.NotEqual(Run(5), Run(6));
    }
}
