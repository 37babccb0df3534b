using System.Runtime.InteropServices;

namespace AimLsm.Kv.IO;

/// <summary>
/// The operating system's reason behind a .NET I/O exception, in words a user can act on: "read-only file system
/// (EROFS)", "permission denied (EACCES)", "too many open files (EMFILE)".
/// </summary>
/// <remarks>
/// On Unix, .NET puts the raw errno in <see cref="Exception.HResult"/> of the <see cref="IOException"/> it throws for
/// most failures (EROFS, EMFILE, ENOSPC, ELOOP, EEXIST, EWOULDBLOCK, ...), wraps EACCES, EPERM and EBADF in an
/// <see cref="UnauthorizedAccessException"/> whose inner <see cref="IOException"/> carries the errno, and turns both
/// ENOENT and ENOTDIR into <see cref="FileNotFoundException"/> or <see cref="DirectoryNotFoundException"/> with no
/// errno at all: for those the caller asks <see cref="PathState"/> what is really at the path.
/// </remarks>
public static class OsError
{
    /// <summary>EWOULDBLOCK from a non-blocking flock: Linux (EAGAIN), and the BSDs and macOS.</summary>
    private static int WouldBlock => OperatingSystem.IsLinux() ? 11 : 35;

    /// <summary>Windows' ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION as HRESULTs.</summary>
    private const int SharingViolation = unchecked((int)0x80070020);
    private const int LockViolation = unchecked((int)0x80070021);

    /// <summary>
    /// True when <paramref name="e"/> says only that another holder has the file locked (flock's EWOULDBLOCK, or a
    /// Windows sharing violation): the one failure of taking a lock that means "in use" rather than "cannot".
    /// </summary>
    public static bool IsLockContention(IOException e) =>
        e.GetType() == typeof(IOException) &&
        (OperatingSystem.IsWindows() ? e.HResult is SharingViolation or LockViolation : e.HResult == WouldBlock);

    /// <summary>The errno behind <paramref name="e"/> or the exceptions it wraps, or 0 when .NET did not keep one.</summary>
    public static int Errno(Exception e)
    {
        if (OperatingSystem.IsWindows())
        {
            return 0;
        }

        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is IOException { HResult: > 0 and < 4096 } io)
            {
                return io.HResult;
            }
        }

        return 0;
    }

    /// <summary>
    /// The cause of <paramref name="e"/>, a failure on <paramref name="path"/>, as lower-case words with the errno's
    /// name: "read-only file system (EROFS)". When the cause is about what is at the path (nothing, a file where a
    /// folder was needed, a dangling symbolic link) it is described from the path itself, naming the component at
    /// fault, since .NET reports ENOTDIR as a missing directory and EEXIST says nothing of a dangling link.
    /// </summary>
    /// <param name="e">The failure.</param>
    /// <param name="path">The path the failing call was given.</param>
    /// <param name="fs">The file system it went through, to look at the path with; the disk when null.</param>
    public static string Describe(Exception e, string path, IFileSystem? fs = null)
    {
        int errno = Errno(e);
        bool aboutThePath = errno is 2 or 17 or 20 || (errno == 40 && OperatingSystem.IsLinux()) ||
            (errno == 0 && e is FileNotFoundException or DirectoryNotFoundException);
        if (aboutThePath)
        {
            PathState state = PathState.Of(path, fs ?? DiskFileSystem.Instance);
            if (state.Kind != PathKind.Folder)
            {
                return state.DescribeAbsence();
            }
        }

        if (errno != 0)
        {
            return Words(errno);
        }

        return e is UnauthorizedAccessException ? "permission denied (EACCES)" : e.Message;
    }

    /// <summary>"read-only file system (EROFS)" for 30: the C library's text for the errno, and its name.</summary>
    public static string Words(int errno)
    {
        string text = Marshal.GetPInvokeErrorMessage(errno);
        if (text.Length > 0 && char.IsUpper(text[0]) && (text.Length == 1 || !char.IsUpper(text[1])))
        {
            text = char.ToLowerInvariant(text[0]) + text[1..];
        }

        string? name = Name(errno);
        return name is null ? $"{text} (errno {errno})" : $"{text} ({name})";
    }

    /// <summary>The symbolic name of an errno: values 1-34 are the same on every Unix; the rest are Linux's.</summary>
    private static string? Name(int errno) => errno switch
    {
        1 => "EPERM",
        2 => "ENOENT",
        5 => "EIO",
        6 => "ENXIO",
        9 => "EBADF",
        12 => "ENOMEM",
        13 => "EACCES",
        16 => "EBUSY",
        17 => "EEXIST",
        18 => "EXDEV",
        19 => "ENODEV",
        20 => "ENOTDIR",
        21 => "EISDIR",
        22 => "EINVAL",
        23 => "ENFILE",
        24 => "EMFILE",
        26 => "ETXTBSY",
        27 => "EFBIG",
        28 => "ENOSPC",
        30 => "EROFS",
        31 => "EMLINK",
        _ when !OperatingSystem.IsLinux() => null,
        11 => "EAGAIN",
        36 => "ENAMETOOLONG",
        37 => "ENOLCK",
        40 => "ELOOP",
        116 => "ESTALE",
        122 => "EDQUOT",
        _ => null,
    };
}
