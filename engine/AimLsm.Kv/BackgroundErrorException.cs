namespace AimLsm.Kv;

/// <summary>
/// A write, flush or MANIFEST update failed (disk full, an I/O error), so the database stopped accepting writes
/// rather than acknowledge anything it might lose. Reads still work. Reopen the database to recover.
/// The original failure is the <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class BackgroundErrorException : DbException
{
    /// <summary>Creates the exception for <paramref name="cause"/>.</summary>
    public BackgroundErrorException(Exception cause)
        : base($"The database refuses writes after an earlier failure: {cause.Message} Reopen it to recover.", cause)
    {
    }
}
