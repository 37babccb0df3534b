namespace AimLsm.Kv;

/// <summary>No database exists at the path and <see cref="DbOptions.CreateIfMissing"/> is false.</summary>
public sealed class DbNotFoundException : DbException
{
    /// <summary>Creates the exception.</summary>
    public DbNotFoundException(string path, string message)
        : base(message)
    {
        Path = path;
    }

    /// <summary>The path that holds no database.</summary>
    public string Path { get; }
}
