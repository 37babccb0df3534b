using AimLsm.IO;

namespace AimLsm.Tests.Testing;

/// <summary>
/// Wraps a file system and calls <see cref="Hook"/> before every create, sync, rename and directory sync, with the
/// operation and the path: a test can block a thread there (to hold a flush), throw (an I/O error), or set
/// <see cref="Dead"/> to make every later write fail, as after the machine lost power.
/// </summary>
public sealed class HookFileSystem(IFileSystem inner) : IFileSystem
{
    public Action<string, string>? Hook { get; set; }

    public volatile bool Dead;

    private void Before(string op, string path)
    {
        if (Dead)
        {
            throw new IOException($"injected: the machine is off ({op} {path})");
        }
        Hook?.Invoke(op, path);
        if (Dead)
        {
            // Checked again: a thread held in the hook must not write after the machine "died" meanwhile.
            throw new IOException($"injected: the machine is off ({op} {path})");
        }
    }

    public IWritableFile Create(string path)
    {
        Before("create", path);
        return new Writable(this, inner.Create(path), path);
    }

    public IReadableFile OpenRead(string path) => inner.OpenRead(path);

    public bool FileExists(string path) => inner.FileExists(path);

    public bool DirectoryExists(string path) => inner.DirectoryExists(path);

    public void CreateDirectory(string path) => inner.CreateDirectory(path);

    public IReadOnlyList<string> ListFiles(string directory) => inner.ListFiles(directory);

    public long GetFileSize(string path) => inner.GetFileSize(path);

    public void Delete(string path)
    {
        if (!Dead)
        {
            inner.Delete(path);
        }
    }

    public void Rename(string source, string destination)
    {
        Before("rename", destination);
        inner.Rename(source, destination);
    }

    public void SyncDirectory(string directory)
    {
        Before("syncdir", directory);
        inner.SyncDirectory(directory);
    }

    public IDisposable? TryLock(string path) => inner.TryLock(path);

    private sealed class Writable(HookFileSystem fs, IWritableFile file, string path) : IWritableFile
    {
        public long Length => file.Length;

        public void Append(ReadOnlySpan<byte> data)
        {
            if (fs.Dead)
            {
                throw new IOException("injected: the machine is off");
            }
            file.Append(data);
        }

        public void Flush() => file.Flush();

        public void Sync()
        {
            fs.Before("sync", path);
            file.Sync();
        }

        public void Dispose() => file.Dispose();
    }
}
