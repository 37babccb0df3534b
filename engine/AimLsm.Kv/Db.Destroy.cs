using AimLsm.Kv.IO;
using AimLsm.Kv.Versions;

namespace AimLsm.Kv;

public sealed partial class Db
{
    /// <summary>
    /// Deletes a closed database: its files (WAL, tables, MANIFEST, CURRENT, LOCK, ...) and then its folder, as
    /// RocksDB's <c>DestroyDB</c> does. A folder that holds subfolders is left in place (its files deleted): only what a
    /// database writes is removed. A missing folder is not an error.
    /// </summary>
    /// <param name="path">The database's folder.</param>
    /// <param name="options">Only <see cref="DbOptions.FileSystem"/> is read.</param>
    /// <exception cref="DbLockedException">The database is open, in this process or another.</exception>
    /// <exception cref="DbException">A file or the folder cannot be deleted; the inner exception says why.</exception>
    public static void Destroy(string path, DbOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        IFileSystem fs = options?.FileSystem ?? DiskFileSystem.Instance;
        path = System.IO.Path.GetFullPath(path);
        if (!fs.DirectoryExists(path))
        {
            return;
        }

        string lockPath = System.IO.Path.Combine(path, FileNames.Lock);
        IDisposable? held = null;
        if (fs.FileExists(lockPath))
        {
            held = fs.TryLock(lockPath) ?? throw new DbLockedException(path);
        }

        try
        {
            using (held)
            {
                foreach (string file in fs.ListFiles(path))
                {
                    string full = System.IO.Path.Combine(path, file);
                    if (full != lockPath)
                    {
                        fs.Delete(full);
                    }
                }
            }

            if (fs.FileExists(lockPath))
            {
                fs.Delete(lockPath);
            }

            if (fs.ListDirectories(path).Count == 0)
            {
                fs.DeleteDirectory(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DbException($"Cannot destroy the database at '{path}': {e.Message}", e);
        }
    }
}
