using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace AimLsm.Kv.IO;

public sealed partial class DiskFileSystem
{
    /// <summary>
    /// A file read through one read-only shared mapping of the whole file (<see cref="IFileSystem.OpenReadMapped"/>):
    /// a read copies from the page cache without a system call, and <see cref="TryGetSpan"/> hands out the mapped
    /// bytes. The mapping is made at open and holds no file descriptor afterwards (the kernel keeps the file alive for
    /// it), so an open table costs address space, not one of the process's descriptors.
    /// <para>
    /// Thread-safe for reads. Dispose unmaps: the caller must guarantee that no read, and no use of a span from
    /// <see cref="TryGetSpan"/>, runs concurrently with or after it (a table is disposed only when its last reference
    /// is released, and every reader holds one). A read after dispose on the same thread throws
    /// <see cref="ObjectDisposedException"/>, as a disposed <see cref="SafeFileHandle"/> does; a racing one could touch
    /// unmapped memory, which is why the contract rests on the reference count and not on this check.
    /// </para>
    /// <para>
    /// The file must not shrink while mapped: a page past the new end raises SIGBUS (LevelDB and RocksDB take the
    /// same risk; tables are immutable and deleted only by unlink, which leaves the mapping intact).
    /// </para>
    /// </summary>
    private sealed unsafe class MappedReadableFile : IReadableFile
    {
        private readonly MemoryMappedViewAccessor _view;
        private readonly byte* _base;
        private int _disposed;

        private MappedReadableFile(MemoryMappedViewAccessor view, byte* start, string path, long length)
        {
            _view = view;
            _base = start;
            Path = path;
            Length = length;
        }

        /// <summary>
        /// A mapping of the file at <paramref name="path"/>; the ordinary positional-read file for an empty file, which
        /// cannot be mapped (mmap of length 0 is EINVAL), and for a file system that refuses the mapping (some network
        /// and FUSE ones), so that such a file system costs the mapping's speed, not the table.
        /// </summary>
        public static IReadableFile Open(string path)
        {
            SafeFileHandle handle = DiskReadableFile.OpenHandle(path);
            try
            {
                long length = RandomAccess.GetLength(handle);
                MemoryMappedViewAccessor? view = length == 0 ? null : TryMap(handle);
                if (view is null)
                {
                    return new DiskReadableFile(handle, path);
                }
                // The descriptor is closed once the view exists: the view keeps the pages.
                handle.Dispose();
                byte* start = null;
                bool acquired = false;
                try
                {
                    view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
                    acquired = true;
                    return new MappedReadableFile(view, start + view.PointerOffset, path, length);
                }
                catch
                {
                    if (acquired)
                    {
                        view.SafeMemoryMappedViewHandle.ReleasePointer();
                    }
                    view.Dispose();
                    throw;
                }
            }
            catch
            {
                handle.Dispose(); // a no-op when it was closed above
                throw;
            }
        }

        /// <summary>A read-only view of the whole file, or null when the file system refuses to map it.</summary>
        private static MemoryMappedViewAccessor? TryMap(SafeFileHandle handle)
        {
            try
            {
                using MemoryMappedFile map = MemoryMappedFile.CreateFromFile(handle, mapName: null, capacity: 0,
                    MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
                return map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        public long Length { get; }

        public string Path { get; }

        /// <summary>As <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/> with its retry loop: every byte
        /// asked for, fewer only at the end of the file, 0 at or past it; a negative offset throws.</summary>
        public int Read(long offset, Span<byte> destination)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(offset);
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (offset >= Length)
            {
                return 0;
            }
            int n = (int)Math.Min(destination.Length, Length - offset);
            new ReadOnlySpan<byte>(_base + offset, n).CopyTo(destination);
            return n;
        }

        public bool TryGetSpan(long offset, int length, out ReadOnlySpan<byte> span)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (offset < 0 || length < 0 || offset > Length - length)
            {
                span = default;
                return false;
            }
            span = new ReadOnlySpan<byte>(_base + offset, length);
            return true;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
    }
}
