using AimLsm.Kv.IO;

namespace AimLsm.Tests.Testing;

/// <summary>
/// Wraps a file system and calls <see cref="Hook"/> before every create, sync, rename and directory sync, with the
/// operation and the path: a test can block a thread there (to hold a flush), throw (an I/O error), or set
/// <see cref="Dead"/> to make every later write fail, as after the machine lost power.
/// </summary>
public sealed class HookFileSystem(IFileSystem inner) : ForwardingFileSystem(inner)
{
    public Action<string, string>? Hook { get; set; }

    public volatile bool Dead;

    /// <summary>
    /// Holds every table file's creation (so a flush or compaction waits there) until the returned event is set,
    /// at most 30 s: a test that never releases it fails rather than hangs.
    /// </summary>
    public ManualResetEventSlim HoldTableCreates()
    {
        var go = new ManualResetEventSlim(false);
        Hook = (op, path) =>
        {
            if (op == "create" && path.EndsWith(".sst", StringComparison.Ordinal))
            {
                go.Wait(TimeSpan.FromSeconds(30));
            }
        };
        return go;
    }

    private void Before(string op, string path)
    {
        ThrowIfDead(op, path);
        Hook?.Invoke(op, path);
        // Checked again: a thread held in the hook must not write after the machine "died" meanwhile.
        ThrowIfDead(op, path);
    }

    private void ThrowIfDead(string op, string path)
    {
        if (Dead)
        {
            throw new IOException($"injected: the machine is off ({op} {path})");
        }
    }

    public override IWritableFile Create(string path)
    {
        Before("create", path);
        return base.Create(path);
    }

    protected override IWritableFile Wrap(IWritableFile file, string path) => new Writable(this, file, path);

    public override void Delete(string path)
    {
        if (!Dead)
        {
            base.Delete(path);
        }
    }

    public override void Rename(string source, string destination)
    {
        Before("rename", destination);
        base.Rename(source, destination);
    }

    public override void SyncDirectory(string directory)
    {
        Before("syncdir", directory);
        base.SyncDirectory(directory);
    }

    private sealed class Writable(HookFileSystem fs, IWritableFile file, string path) : ForwardingWritable(file)
    {
        public override void Append(ReadOnlySpan<byte> data)
        {
            fs.ThrowIfDead("append", path);
            File.Append(data);
        }

        public override void Sync()
        {
            fs.Before("sync", path);
            File.Sync();
        }
    }
}
