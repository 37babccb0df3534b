using AimLsm.Kv.IO;

namespace AimLsm.Tree.Storage;

/// <summary>
/// The repo's own small text files (the <c>AIMLSM_REPO</c> marker, a slot's owner file), read and written through
/// the repo's <see cref="IFileSystem"/> like every other file, so that a repo on memory or on the fault-injecting
/// file system never touches the disk.
/// </summary>
internal static class SmallFiles
{
    /// <summary>Larger than any file the repo writes: a bigger one is not ours and is not read whole.</summary>
    public const int MaxBytes = 4096;

    /// <summary>The UTF-8 text of <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="IOException">It cannot be read, or it is longer than <see cref="MaxBytes"/>; the message names it.</exception>
    public static string Read(IFileSystem fs, string path)
    {
        using IReadableFile file = fs.OpenRead(path);
        if (file.Length > MaxBytes)
        {
            throw new IOException($"'{path}' is {file.Length} bytes; the repo's own files are at most {MaxBytes}.");
        }

        var bytes = new byte[file.Length];
        int n = file.Read(0, bytes);
        return System.Text.Encoding.UTF8.GetString(bytes, 0, n);
    }

    /// <summary>Creates (or replaces) <paramref name="path"/> holding <paramref name="text"/>; with
    /// <paramref name="sync"/> its contents are durable on return (its directory entry is the caller's to sync).</summary>
    public static void Write(IFileSystem fs, string path, string text, bool sync)
    {
        using IWritableFile file = fs.Create(path);
        file.Append(System.Text.Encoding.UTF8.GetBytes(text));
        if (sync)
        {
            file.Sync();
        }
        else
        {
            file.Flush();
        }
    }
}
