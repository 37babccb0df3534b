namespace AimLsm.Remote;

/// <summary>A run a sync could not copy, and why; the other runs were synced.</summary>
/// <param name="Hash">The run's hash.</param>
/// <param name="Code">The server's error: <see cref="TrackingErrorCode.RunConflict"/> when the server has a run with
/// this hash and another creation time (a different run), <see cref="TrackingErrorCode.RunLocked"/> when another
/// client is writing it, <see cref="TrackingErrorCode.FrameTooLarge"/> for a point larger than the server's frame limit.</param>
/// <param name="Message">What the server (or the sync) said, naming the run.</param>
public sealed record SyncRunError(string Hash, TrackingErrorCode Code, string Message);
