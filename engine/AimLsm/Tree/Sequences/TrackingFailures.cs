using AimLsm.Kv;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// What the background writer failed at, kept per scope so that one failure stops only what it must
/// (docs/aim-repo.md, "Errors"):
/// <list type="bullet">
/// <item>a <b>run</b> whose point the writer could not apply (a read of its chunks failed, or a check the caller's
/// thread missed) stops tracking; every other run goes on;</item>
/// <item>an <b>engine</b> (a writer slot) whose write or WAL sync failed refuses writes until it is reopened (the
/// engine's own rule: it never acknowledges what it might lose), so every run of that slot stops tracking; runs of
/// other slots go on, and reopening the repo recovers everything that was flushed;</item>
/// <item>the writer <b>thread</b> itself failing (a bug) stops everything.</item>
/// </list>
/// Thread-safe: the writer thread records, producers and flushers read.
/// </summary>
internal sealed class TrackingFailures
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Db, Exception> _engines = [];
    private readonly Dictionary<string, (string What, Exception Cause)> _runs = new(StringComparer.Ordinal);
    private Exception? _thread;

    // Per failed run, the points the writer dropped (the one it failed on, any still queued behind it, and applied
    // points it could not write) that no caller has been told of yet: the run's own Track, Flush or Dispose throwing
    // tells its caller, a repo-wide flush throwing tells everyone. A failed run's Track throws from then on, so the
    // drops stop growing once its producers see the failure.
    private readonly Dictionary<string, long> _unreportedDrops = new(StringComparer.Ordinal);

    // Read without the lock on the hot path: once true it stays true.
    private volatile bool _any;

    /// <summary>The first repo-wide failure (an engine's or the writer thread's), or null.</summary>
    public Exception? RepoWide
    {
        get
        {
            if (!_any)
            {
                return null;
            }

            lock (_lock)
            {
                return _thread ?? _engines.Values.FirstOrDefault();
            }
        }
    }

    /// <summary>Whether points of <paramref name="sequence"/> are dropped (its run, its engine or the thread failed).</summary>
    public bool Covers(SequenceWriter sequence)
    {
        if (!_any)
        {
            return false;
        }

        lock (_lock)
        {
            return _thread is not null || _engines.ContainsKey(sequence.Db) || _runs.ContainsKey(sequence.Hash);
        }
    }

    /// <summary>Whether the engine <paramref name="db"/> failed.</summary>
    public bool Covers(Db db)
    {
        if (!_any)
        {
            return false;
        }

        lock (_lock)
        {
            return _engines.ContainsKey(db);
        }
    }

    public void FailRun(SequenceWriter sequence, Exception cause)
    {
        lock (_lock)
        {
            _runs.TryAdd(sequence.Hash, ($"sequence '{sequence.Name}' {sequence.Context}", cause));
            // In the same lock: a Track of the run that sees the failure also sees the point it dropped.
            _unreportedDrops[sequence.Hash] = _unreportedDrops.GetValueOrDefault(sequence.Hash) + 1;
            _any = true;
        }
    }

    /// <summary>Records that the writer dropped a point of <paramref name="sequence"/> because its run failed earlier
    /// (the engine and thread scopes report their own drops): a repo-wide flush must not return as if it were stored.</summary>
    public void DroppedPoint(SequenceWriter sequence)
    {
        lock (_lock)
        {
            if (_runs.ContainsKey(sequence.Hash))
            {
                _unreportedDrops[sequence.Hash] = _unreportedDrops.GetValueOrDefault(sequence.Hash) + 1;
            }
        }
    }

    public void FailEngine(Db db, Exception cause)
    {
        lock (_lock)
        {
            _engines.TryAdd(db, cause);
            _any = true;
        }
    }

    public void FailThread(Exception cause)
    {
        lock (_lock)
        {
            _thread ??= cause;
            _any = true;
        }
    }

    /// <summary>
    /// The exception for a caller of run <paramref name="hash"/> in engine <paramref name="db"/> (both null: the
    /// repo as a whole, which sees engine and thread failures, and a run's failure once, when the writer dropped
    /// points of that run that no caller has been told of yet), or null when nothing failed there.
    /// </summary>
    public TrackingException? For(string? hash, Db? db)
    {
        if (!_any)
        {
            return null;
        }

        lock (_lock)
        {
            if (_thread is { } t)
            {
                return new TrackingException(
                    $"The background tracking writer failed; points tracked since the last successful Flush may be lost: {t.Message}", t);
            }

            // The engine failure that concerns the caller: its own engine's, or for the repo as a whole the first.
            KeyValuePair<Db, Exception>? engine = null;
            if (db is not null && _engines.TryGetValue(db, out Exception? cause))
            {
                engine = new(db, cause);
            }
            else if (db is null && hash is null && _engines.Count > 0)
            {
                engine = _engines.First();
            }

            if (engine is { } failed)
            {
                return new TrackingException(
                    $"Tracking into the writer slot at '{failed.Key.Path}' failed, so its runs stop tracking (other slots go on): {failed.Value.Message} " +
                    "Points flushed before the failure are safe: dispose the repo and open it again to recover them and track on.", failed.Value);
            }

            // The repo as a whole promises every point tracked before its flush: points a run's failure dropped, that
            // no caller was told of, make it fail once.
            if (hash is null && db is null && _unreportedDrops.Count > 0)
            {
                (string droppedRun, long count) = _unreportedDrops.First();
                long total = _unreportedDrops.Values.Sum();
                _unreportedDrops.Clear();
                (string what, Exception dropCause) = _runs[droppedRun];
                return new TrackingException(
                    $"{total} tracked point(s) were not stored: run '{droppedRun}' stopped tracking ({count} of them), the background writer could not store a point of its {what}: " +
                    $"{dropCause.Message} Points of the failed run(s) tracked after their last successful Flush may be lost; other runs keep tracking.", dropCause);
            }

            if (hash is not null && _runs.TryGetValue(hash, out (string What, Exception Cause) run))
            {
                _unreportedDrops.Remove(hash); // its caller is told now
                return new TrackingException(
                    $"Run '{hash}' stopped tracking: the background writer could not store a point of its {run.What}: {run.Cause.Message} " +
                    "Points of this run tracked after its last successful Flush may be lost; other runs keep tracking.", run.Cause);
            }

            return null;
        }
    }
}
