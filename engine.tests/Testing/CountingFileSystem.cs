using AimLsm.IO;

namespace AimLsm.Tests.Testing;

/// <summary>
/// Counts fsyncs through a wrapped file system (group commit is measured in fsyncs per write), optionally making
/// each take as long as a consumer SSD's (about a millisecond), so that concurrent writers have time to queue.
/// </summary>
public sealed class CountingFileSystem(IFileSystem inner, TimeSpan syncLatency = default) : IFileSystem
{
    private long _syncs;
    private readonly TimeSpan _syncLatency = syncLatency;

    public long Syncs => Interlocked.Read(ref _syncs);

    public IWritableFile Create(string path) => new Writable(this, inner.Create(path));

    public IReadableFile OpenRead(string path) => inner.OpenRead(path);

    public bool FileExists(string path) => inner.FileExists(path);

    public bool DirectoryExists(string path) => inner.DirectoryExists(path);

    public void CreateDirectory(string path) => inner.CreateDirectory(path);

    public IReadOnlyList<string> ListFiles(string directory) => inner.ListFiles(directory);

    public long GetFileSize(string path) => inner.GetFileSize(path);

    public void Delete(string path) => inner.Delete(path);

    public void Rename(string source, string destination) => inner.Rename(source, destination);

    public void SyncDirectory(string directory) => inner.SyncDirectory(directory);

    public IDisposable? TryLock(string path) => inner.TryLock(path);

    private sealed class Writable(CountingFileSystem fs, IWritableFile file) : IWritableFile
    {
        public long Length => file.Length;

        public void Append(ReadOnlySpan<byte> data) => file.Append(data);

        public void Flush() => file.Flush();

        public void Sync()
        {
            Interlocked.Increment(ref fs._syncs);
            if (fs._syncLatency > TimeSpan.Zero)
            {
                Thread.Sleep(fs._syncLatency);
            }
            file.Sync();
        }

        public void Dispose() => file.Dispose();
    }
}
