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
            _any = true;
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
    /// repo as a whole, which sees engine and thread failures but not one run's), or null when nothing failed there.
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

            if (hash is not null && _runs.TryGetValue(hash, out (string What, Exception Cause) run))
            {
                return new TrackingException(
                    $"Run '{hash}' stopped tracking: the background writer could not store a point of its {run.What}: {run.Cause.Message} " +
                    "Points of this run tracked after its last successful Flush may be lost; other runs keep tracking.", run.Cause);
            }

            return null;
        }
    }
}
