namespace AimLsm.Kv;

/// <summary>The database refused an operation or failed; the message says what and where.</summary>
public class DbException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DbException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public DbException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}
