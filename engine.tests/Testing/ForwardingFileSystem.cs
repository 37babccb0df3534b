using AimLsm.Kv.IO;

namespace AimLsm.Tests.Testing;

/// <summary>
/// Passes every call to an inner file system; test wrappers override only what they watch or break.
/// Writable files go through <see cref="Wrap"/>, so a wrapper can watch appends and syncs too.
/// </summary>
public abstract class ForwardingFileSystem(IFileSystem inner) : IFileSystem
{
    protected IFileSystem Inner { get; } = inner;

    public virtual IWritableFile Create(string path) => Wrap(Inner.Create(path), path);

    /// <summary>Wraps a file created through this file system; the default returns it as it is.</summary>
    protected virtual IWritableFile Wrap(IWritableFile file, string path) => file;

    public virtual IReadableFile OpenRead(string path) => Inner.OpenRead(path);

    public virtual bool FileExists(string path) => Inner.FileExists(path);

    public virtual bool DirectoryExists(string path) => Inner.DirectoryExists(path);

    public virtual void CreateDirectory(string path) => Inner.CreateDirectory(path);

    public virtual void DeleteDirectory(string path) => Inner.DeleteDirectory(path);

    public virtual IReadOnlyList<string> ListFiles(string directory) => Inner.ListFiles(directory);

    public virtual IReadOnlyList<string> ListDirectories(string directory) => Inner.ListDirectories(directory);

    public virtual long GetFileSize(string path) => Inner.GetFileSize(path);

    public virtual void Delete(string path) => Inner.Delete(path);

    public virtual void Rename(string source, string destination) => Inner.Rename(source, destination);

    public virtual void SyncDirectory(string directory) => Inner.SyncDirectory(directory);

    public virtual IDisposable? TryLock(string path) => Inner.TryLock(path);

    /// <summary>A writable file that passes every call on; override what to watch.</summary>
    protected class ForwardingWritable(IWritableFile file) : IWritableFile
    {
        protected IWritableFile File { get; } = file;

        public long Length => File.Length;

        public virtual void Append(ReadOnlySpan<byte> data) => File.Append(data);

        public virtual void Flush() => File.Flush();

        public virtual void Sync() => File.Sync();

        public void Dispose() => File.Dispose();
    }
}
