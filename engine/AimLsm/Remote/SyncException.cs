namespace AimLsm.Remote;

/// <summary>A sync could not go on: the server unreachable or failing, the sync state unreadable, or another sync of
/// the same repo to the same server running. What the server acknowledged before is recorded; the next sync resumes.</summary>
public sealed class SyncException : Exception
{
    /// <summary>A sync failure with what happened and where.</summary>
    public SyncException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
