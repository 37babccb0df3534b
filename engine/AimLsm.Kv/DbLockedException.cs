namespace AimLsm.Kv;

/// <summary>Another <see cref="Db"/>, in this process or another, has the database open.</summary>
public sealed class DbLockedException : DbException
{
    /// <summary>Creates the exception for the database at <paramref name="path"/>.</summary>
    public DbLockedException(string path)
        : base($"The database at '{path}' is already open (its LOCK file is held by this or another process); only one writer may open it.")
    {
        Path = path;
    }

    /// <summary>The database directory.</summary>
    public string Path { get; }
}
