namespace AimLsm.Tree;

/// <summary>
/// The background writer failed (typically an I/O error from the engine). Points tracked after the failure are
/// refused; points queued before it may not have been stored. The inner exception is the cause.
/// </summary>
public sealed class TrackingException(string message, Exception inner) : RepoException(message, inner);
