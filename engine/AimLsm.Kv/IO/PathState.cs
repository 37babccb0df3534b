namespace AimLsm.Kv.IO;

/// <summary>
/// What is at a path, told apart the way an error message needs it: a folder, a file, a dangling
/// or looping symbolic link, nothing (and which component is the first missing one), or nothing because a component
/// above it is a file (ENOTDIR). .NET's own checks blur these: <see cref="File.Exists(string)"/> is true for a
/// dangling link, and ENOTDIR surfaces as a <see cref="DirectoryNotFoundException"/>.
/// </summary>
public readonly struct PathState
{
    private PathState(PathKind kind, string path, string culprit, string? linkTarget)
    {
        Kind = kind;
        Path = path;
        Culprit = culprit;
        LinkTarget = linkTarget;
    }

    /// <summary>What is there.</summary>
    public PathKind Kind { get; }

    /// <summary>The full path asked about.</summary>
    public string Path { get; }

    /// <summary>The component that decides <see cref="Kind"/>: the first missing one for <see cref="PathKind.Missing"/>,
    /// the file in the way for <see cref="PathKind.NotUnderFolder"/>, else <see cref="Path"/>.</summary>
    public string Culprit { get; }

    /// <summary>Where a dangling symbolic link points.</summary>
    public string? LinkTarget { get; }

    /// <summary>Looks at <paramref name="path"/> (made full) through <paramref name="fs"/> without changing anything;
    /// on the disk it also tells dangling and looping symbolic links apart.</summary>
    public static PathState Of(string path, IFileSystem fs)
    {
        path = System.IO.Path.GetFullPath(path);
        if (fs.DirectoryExists(path))
        {
            return new(PathKind.Folder, path, path, null);
        }

        if (fs.FileExists(path))
        {
            return new(PathKind.File, path, path, null);
        }

        // DiskFileSystem.FileExists is false for a link to nothing (File.Exists, which falls back to lstat, is not).
        if (fs is DiskFileSystem && new FileInfo(path) is { Exists: true, LinkTarget: { } target })
        {
            bool loops = false;
            try
            {
                File.ResolveLinkTarget(path, returnFinalTarget: true);
            }
            catch (IOException)
            {
                loops = true;
            }

            return new(loops ? PathKind.LinkLoop : PathKind.DanglingLink, path, path, target);
        }

        string missing = path;
        for (string? up = System.IO.Path.GetDirectoryName(path); up is not null; up = System.IO.Path.GetDirectoryName(up))
        {
            if (fs.DirectoryExists(up))
            {
                return new(PathKind.Missing, path, missing, null);
            }

            if (fs.FileExists(up))
            {
                return new(PathKind.NotUnderFolder, path, up, null);
            }

            missing = up;
        }

        return new(PathKind.Missing, path, missing, null);
    }

    /// <summary>
    /// Why nothing usable is at the path, as a clause naming the component at fault: "'/a/b' does not exist (ENOENT)",
    /// "'/a' is a file, not a folder (ENOTDIR)", "'/a/x' is a symbolic link to '/gone', which does not exist".
    /// </summary>
    public string DescribeAbsence() => Kind switch
    {
        PathKind.Folder => $"'{Path}' is a folder",
        PathKind.File => $"'{Path}' is a file, not a folder",
        PathKind.DanglingLink => $"'{Path}' is a symbolic link to '{LinkTarget}', which does not exist",
        PathKind.LinkLoop => $"'{Path}' is a symbolic link that loops (ELOOP)",
        PathKind.NotUnderFolder => $"'{Culprit}' is a file, not a folder (ENOTDIR)",
        _ when Culprit == Path => $"'{Path}' does not exist (ENOENT)",
        _ => $"its parent folder '{Culprit}' does not exist (ENOENT)",
    };
}
