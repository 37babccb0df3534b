using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AimLsm.Kv.IO;

/// <summary>
/// A file appended to through a shared memory mapping (Linux, 64-bit). Appends gather in a buffer, as in the disk's
/// buffered file; a flush of a small buffer (one commit group's WAL record) is a copy into the page cache, with no
/// system call. On this kind of machine the <c>pwrite</c> of a small record costs about 1.7 µs, most of a small write's
/// time; the copy and its share of the page faults cost about 0.3 µs (engine.bench/PROFILE.md, "Fourth round").
/// <para>
/// Durability is that of the buffered file: a flushed byte is in the kernel's page cache, so it survives the process
/// being killed, and <see cref="Sync"/> (<c>fsync</c>, which writes a shared mapping's dirty pages too) makes it
/// survive a power loss.
/// </para>
/// <para>
/// The file is grown ahead of the data a segment at a time (up to <see cref="SegmentSize"/>) with <c>posix_fallocate</c>, so the
/// disk's blocks are reserved before any byte is copied: a full disk is an <see cref="IOException"/> from the flush,
/// never a SIGBUS on a page fault, and a flush that fails for it hands over nothing. Until <see cref="BufferedWritableFile.Dispose"/> trims
/// the file to <see cref="BufferedWritableFile.Length"/>, it ends in zero-filled space; a process killed meanwhile leaves that space, and
/// the log reader takes zeros that run to the end of the file as its clean end (docs/format.md, 5.3).
/// </para>
/// </summary>
internal sealed unsafe partial class MappedAppendFile : BufferedWritableFile
{
    /// <summary>How far the file is reserved and mapped at a time: a few hundred small WAL records a page fault's
    /// worth, and a mapping and a reservation per 4 MiB appended.</summary>
    internal const long SegmentSize = 4L << 20;

    /// <summary>The smallest segment: a file expected to stay small (a WAL of a small write buffer) reserves and faults
    /// in no more than about what it will hold.</summary>
    internal const long MinSegmentSize = 64L << 10;

    /// <summary>
    /// From this size on, the bytes a flush hands over go by <c>pwrite</c>: through the mapping, a fresh page costs a
    /// page fault (about 10 µs on this virtual machine), more than the system call's fixed cost (about 1.7 µs) saves.
    /// Measured: 130-byte writes cost 0.3 µs mapped against 1.7-2.2 µs by pwrite, 1 KiB ones 2.0-2.7 µs either way,
    /// 4 KiB ones 11-12 µs mapped against 4.5-8.7 µs by pwrite.
    /// </summary>
    internal const int LargeWrite = 2048;

    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapShared = 1;

    private readonly SafeFileHandle _handle;
    private readonly long _segment;    // a power of two from MinSegmentSize to SegmentSize
    private readonly string _path;
    private readonly int _fd;
    private byte* _map;        // the mapping of [_mapStart, _mapStart + _segment), or null
    private long _mapStart;
    private bool _unmappable;  // the file system refused the mapping: every write is a pwrite
    private long _reserved;    // bytes of the file reserved with posix_fallocate: a multiple of _segment

    private MappedAppendFile(SafeFileHandle handle, string path, long segment)
    {
        _handle = handle;
        _segment = segment;
        _path = path;
        _fd = (int)handle.DangerousGetHandle();
    }

    /// <summary>True where this kind of file works: the memory map and <c>posix_fallocate</c> of 64-bit Linux.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>Creates (or truncates) <paramref name="path"/> for mapped appends.</summary>
    /// <param name="path">The file.</param>
    /// <param name="expectedLength">About how long the file will grow (a WAL: its memtable's size), 0 when unknown:
    /// segments are the power of two that covers it, from <see cref="MinSegmentSize"/> to <see cref="SegmentSize"/>.
    /// A WAL of a 64 KiB write buffer that reserved and faulted in 4 MiB spent more time on it than on its writes.</param>
    /// <exception cref="IOException">It cannot be created.</exception>
    public static MappedAppendFile Create(string path, long expectedLength = 0)
    {
        long segment = expectedLength <= 0 ? SegmentSize
            : Math.Clamp((long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)expectedLength), MinSegmentSize, SegmentSize);
        // Read access too: a shared writable mapping needs a descriptor opened O_RDWR.
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        return new MappedAppendFile(handle, path, segment);
    }

    /// <inheritdoc />
    protected override bool IsClosed => _handle.IsClosed;

    /// <summary>Few bytes (a commit group's WAL record) are copied into the mapping; many go by <c>pwrite</c>.</summary>
    protected override void Write(ReadOnlySpan<byte> data, long offset)
    {
        if (offset + data.Length > _reserved)
        {
            Reserve(offset + data.Length);
        }
        if (data.Length >= LargeWrite || _unmappable)
        {
            // Into the reserved space, through the same page cache the mapping shares.
            RandomAccess.Write(_handle, data, offset);
            return;
        }
        while (!data.IsEmpty)
        {
            // A pwrite may have carried the end past the mapped segment, not just to its end.
            if ((_map == null || offset < _mapStart || offset >= _mapStart + _segment) && !TryMapSegment(offset - (offset % _segment)))
            {
                RandomAccess.Write(_handle, data, offset);
                return;
            }
            int n = (int)Math.Min(data.Length, _mapStart + _segment - offset);
            data[..n].CopyTo(new Span<byte>(_map + (offset - _mapStart), n));
            offset += n;
            data = data[n..];
        }
    }

    /// <inheritdoc />
    public override void Sync()
    {
        Flush();
        RandomAccess.FlushToDisk(_handle);
    }

    /// <summary>Unmaps, trims the file to what was written (not synced: a zero-filled end left by a power loss reads
    /// as the clean end), and closes it.</summary>
    protected override void Close()
    {
        Unmap();
        try
        {
            RandomAccess.SetLength(_handle, Written);
        }
        finally
        {
            _handle.Dispose();
        }
    }

    /// <summary>Reserves the file's blocks through <paramref name="end"/>, rounded up to a whole segment.</summary>
    private void Reserve(long end)
    {
        long target = (end + _segment - 1) / _segment * _segment;
        // posix_fallocate returns the error number rather than setting errno.
        int error = PosixFallocate(_fd, _reserved, target - _reserved);
        if (error != 0)
        {
            throw new IOException(
                $"Cannot reserve bytes {_reserved} to {target} of '{_path}' for appends: {OsError.Words(error)}.", error);
        }
        _reserved = target;
    }

    /// <summary>
    /// Maps the segment at <paramref name="start"/>; false when the file system refuses a shared writable mapping
    /// (some network and FUSE file systems: ENODEV, EACCES, EINVAL), after which this file writes everything by
    /// <c>pwrite</c>, with the same durability, instead of failing the database's writes.
    /// </summary>
    private bool TryMapSegment(long start)
    {
        Unmap();
        nint address = Mmap(0, (nuint)_segment, ProtRead | ProtWrite, MapShared, _fd, start);
        if (address == -1)
        {
            _unmappable = true;
            return false;
        }
        _map = (byte*)address;
        _mapStart = start;
        // Fault the whole segment in, writable, with one system call instead of a page fault a page (Linux 5.14 and
        // later; the data is not touched). fillseq +10%, fillrandom +3%, p99.9 28-32 -> 22-23 µs (A/B, 3 pairs). A
        // kernel without it says EINVAL and the pages fault one by one, as before.
        _ = Madvise(address, (nuint)_segment, MadvPopulateWrite);
        return true;
    }

    private void Unmap()
    {
        if (_map != null)
        {
            // munmap fails only for an address or length that is not a mapping, which this class never passes.
            _ = Munmap((nint)_map, (nuint)_segment);
            _map = null;
        }
    }

    [LibraryImport("libc", EntryPoint = "posix_fallocate")]
    private static partial int PosixFallocate(int fd, long offset, long length);

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    private const int MadvPopulateWrite = 23; // MADV_POPULATE_WRITE

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);
}
