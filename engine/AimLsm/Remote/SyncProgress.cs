namespace AimLsm.Remote;

/// <summary>How far a sync got, reported after every acknowledgement (<see cref="RepoSync.SyncTo"/>).</summary>
/// <param name="RunsDone">Runs the server has whole, of those this sync sends.</param>
/// <param name="RunsTotal">Runs this sync sends (the changed ones; unchanged runs are not counted).</param>
/// <param name="Batches">Batches acknowledged.</param>
/// <param name="Points">Points sent.</param>
/// <param name="Bytes">Frame bytes sent.</param>
public readonly record struct SyncProgress(int RunsDone, int RunsTotal, long Batches, long Points, long Bytes);
