using AimLsm.Kv.IO;
using AimLsm.Testing;

namespace AimLsm.Tests.Testing;

/// <summary>
/// Wraps a file system and throws <see cref="IOException"/> ("disk full") from writes, syncs or file creation
/// while <see cref="FailWrites"/> is set. Enough for the core's error-state tests; the verification suite uses the
/// full <see cref="FaultInjectionFileSystem"/>.
/// </summary>
public sealed class FailingFileSystem(IFileSystem inner) : ForwardingFileSystem(inner)
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

    public override IWritableFile Create(string path)
    {
        MaybeFail("create " + path);
        return base.Create(path);
    }

    protected override IWritableFile Wrap(IWritableFile file, string path) => new Writable(this, file);

    public override void Rename(string source, string destination)
    {
        MaybeFail("rename");
        base.Rename(source, destination);
    }

    public override void SyncDirectory(string directory)
    {
        MaybeFail("sync directory");
        base.SyncDirectory(directory);
    }

    private sealed class Writable(FailingFileSystem fs, IWritableFile file) : ForwardingWritable(file)
    {
        public override void Append(ReadOnlySpan<byte> data)
        {
            fs.MaybeFail("append");
            File.Append(data);
        }

        public override void Flush()
        {
            fs.MaybeFail("flush");
            File.Flush();
        }

        public override void Sync()
        {
            fs.MaybeFail("sync");
            File.Sync();
        }
    }
}
