using AimLsm.IO;

namespace AimLsm.Tests.Testing;

/// <summary>
/// Wraps a file system and throws <see cref="IOException"/> ("disk full") from writes, syncs or file creation
/// while <see cref="FailWrites"/> is set. Enough for the core's error-state tests; the verification issue brings
/// a full fault-injecting file system.
/// </summary>
public sealed class FailingFileSystem(IFileSystem inner) : IFileSystem
{
    public volatile bool FailWrites;

    public int Failures;

    private void MaybeFail(string what)
    {
        if (FailWrites)
        {
            Interlocked.Increment(ref Failures);
            throw new IOException($"injected: no space left on device ({what})");
        }
    }

    public IWritableFile Create(string path)
    {
        MaybeFail("create " + path);
        return new Writable(this, inner.Create(path));
    }

    public IReadableFile OpenRead(string path) => inner.OpenRead(path);

    public bool FileExists(string path) => inner.FileExists(path);

    public bool DirectoryExists(string path) => inner.DirectoryExists(path);

    public void CreateDirectory(string path) => inner.CreateDirectory(path);

    public IReadOnlyList<string> ListFiles(string directory) => inner.ListFiles(directory);

    public long GetFileSize(string path) => inner.GetFileSize(path);

    public void Delete(string path) => inner.Delete(path);

    public void Rename(string source, string destination)
    {
        MaybeFail("rename");
        inner.Rename(source, destination);
    }

    public void SyncDirectory(string directory)
    {
        MaybeFail("sync directory");
        inner.SyncDirectory(directory);
    }

    public IDisposable? TryLock(string path) => inner.TryLock(path);

    private sealed class Writable(FailingFileSystem fs, IWritableFile file) : IWritableFile
    {
        public long Length => file.Length;

        public void Append(ReadOnlySpan<byte> data)
        {
            fs.MaybeFail("append");
            file.Append(data);
        }

        public void Flush()
        {
            fs.MaybeFail("flush");
            file.Flush();
        }

        public void Sync()
        {
            fs.MaybeFail("sync");
            file.Sync();
        }

        public void Dispose() => file.Dispose();
    }
}
