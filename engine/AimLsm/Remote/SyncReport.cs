namespace AimLsm.Remote;

/// <summary>What a <see cref="RepoSync.SyncTo"/> did.</summary>
public sealed class SyncReport
{
    /// <summary>Runs sent, whole (new runs, and runs that changed since the last sync).</summary>
    public int Runs { get; internal set; }

    /// <summary>Runs skipped because the server has them as they are.</summary>
    public int RunsUnchanged { get; internal set; }

    /// <summary>Batches sent (a batch resent after a reconnect counts again).</summary>
    public long Batches { get; internal set; }

    /// <summary>Points sent.</summary>
    public long Points { get; internal set; }

    /// <summary>Fields stored apart (an image's bytes, a long text) read from the local repo and sent with their points.</summary>
    public long Blobs { get; internal set; }

    /// <summary>Frame bytes sent.</summary>
    public long Bytes { get; internal set; }

    /// <summary>Runs not synced and why (a hash the server has for another run, a run another client writes).</summary>
    public IReadOnlyList<SyncRunError> Errors => _errors;

    internal List<SyncRunError> ErrorList => _errors;

    private readonly List<SyncRunError> _errors = [];

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Runs} runs synced, {RunsUnchanged} unchanged, {Errors.Count} refused; {Points} points, {Blobs} blobs, {Batches} batches, {Bytes} bytes";
}
