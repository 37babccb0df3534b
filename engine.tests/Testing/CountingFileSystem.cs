using AimLsm.Kv.IO;

namespace AimLsm.Tests.Testing;

/// <summary>
/// Counts fsyncs through a wrapped file system (group commit is measured in fsyncs per write), optionally making
/// each take as long as a consumer SSD's (about a millisecond), so that concurrent writers have time to queue.
/// </summary>
public sealed class CountingFileSystem(IFileSystem inner, TimeSpan syncLatency = default) : ForwardingFileSystem(inner)
{
    private long _syncs;
    private readonly TimeSpan _syncLatency = syncLatency;

    public long Syncs => Interlocked.Read(ref _syncs);

    protected override IWritableFile Wrap(IWritableFile file, string path) => new Writable(this, file);

    private sealed class Writable(CountingFileSystem fs, IWritableFile file) : ForwardingWritable(file)
    {
        public override void Sync()
        {
            Interlocked.Increment(ref fs._syncs);
            if (fs._syncLatency > TimeSpan.Zero)
            {
                Thread.Sleep(fs._syncLatency);
            }
            File.Sync();
        }
    }
}
