using System.Diagnostics;
using AimLsm.Kv;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// The background writer of a repo: a bounded queue of tracked points, drained by one thread into the engines.
/// <list type="bullet">
/// <item><c>Track</c> never waits for I/O: it enqueues and returns; a full queue blocks it (back-pressure);</item>
/// <item>one drain takes up to <see cref="MaxDrain"/> points and writes them as one write batch per engine, so many
/// points, of many runs, share one batch;</item>
/// <item>a sequence's partly filled last chunk is rewritten only when the queue runs empty, when
/// <see cref="RepoOptions.TrackingFlushInterval"/> has passed, or on a flush, which bounds how often the same bytes
/// are written again under load;</item>
/// <item><see cref="Flush"/> returns once every point enqueued before it is in the engine and the WAL is synced.</item>
/// </list>
/// The queue is a ring under one lock, not a bounded System.Threading.Channels channel: a drain takes up to
/// <see cref="MaxDrain"/> points in one lock acquisition where a channel's reader takes one item per lock, and the
/// channel measured about 30% slower on the track bench (docs/aim-repo.md, "Tracking", step 3).
/// Failures are kept per scope (<see cref="TrackingFailures"/>): a point the writer cannot apply stops its run only,
/// a failed engine write or sync stops that engine's runs only, and the writer goes on for everything else; each
/// later caller in a failed scope gets a <see cref="TrackingException"/> that carries the cause.
/// </summary>
internal sealed class Tracker : IDisposable
{
    public const int MaxDrain = 8192;

    // All fields below are guarded by _lock; the thread waits on it for work, producers for room, flushers for progress.
    private readonly object _lock = new();
    private readonly QueuedPoint[] _ring;
    private readonly TimeSpan _flushInterval;
    private readonly Thread _thread;
    private int _head;
    private int _count;
    private long _enqueued;
    private long _taken;
    private long _durable;
    private long _flushRequested;
    private int _waiters;
    private bool _stopping;
    private bool _threadFailed;

    private readonly DrainContext _drain;
    private readonly QueuedPoint[] _batch = new QueuedPoint[MaxDrain];

    /// <summary>Keys waiting to ride with the flush that makes everything before them durable (guarded by _lock);
    /// <see cref="_markersNow"/> holds the ones the current drain writes (the thread's own).</summary>
    private readonly List<Marker> _markers = [];
    private readonly List<Marker> _markersNow = [];

    public Tracker(int capacity, TimeSpan flushInterval)
    {
        _ring = new QueuedPoint[capacity];
        _flushInterval = flushInterval;
        _drain = new DrainContext(Failures);
        _thread = new Thread(Run) { IsBackground = true, Name = "AimLsm tracker" };
        _thread.Start();
    }

    /// <summary>What failed so far.</summary>
    public TrackingFailures Failures { get; } = new();

    /// <summary>Points tracked so far.</summary>
    public long Enqueued
    {
        get
        {
            lock (_lock)
            {
                return _enqueued;
            }
        }
    }

    /// <summary>Throws the failure of <paramref name="sequence"/>'s run or engine, if any.</summary>
    /// <exception cref="TrackingException">The writer failed for that run or engine.</exception>
    public void ThrowIfFailed(SequenceWriter sequence)
    {
        if (Failures.Covers(sequence))
        {
            throw Failures.For(sequence.Hash, sequence.Db)!;
        }
    }

    /// <summary>Queues a point, blocking while the queue is full.</summary>
    /// <exception cref="TrackingException">The writer failed earlier for this point's run or engine.</exception>
    public void Enqueue(SequenceWriter sequence, in SequencePoint point)
    {
        lock (_lock)
        {
            while (_count == _ring.Length && !_threadFailed && !_stopping)
            {
                Wait();
            }

            ThrowIfFailed(sequence);
            ObjectDisposedException.ThrowIf(_stopping, this);
            int index = _head + _count;
            _ring[index >= _ring.Length ? index - _ring.Length : index] = new QueuedPoint(sequence, point);
            _count++;
            _enqueued++;
            TrackerMetrics.PointsTracked.Add(1);
            TrackerMetrics.QueueDepth.Add(1);
            if (_count == 1 && _waiters > 0)
            {
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="points"/> in order, taking the lock once per run of them that fits in the ring rather than
    /// once per point: a remote session's batch (<c>AimLsm.Remote.TrackingServer</c>) comes as thousands of points at
    /// once from many connections, and one lock per point made those connections contend with each other and with the
    /// writer thread. Blocks while the queue is full, as <see cref="Enqueue(SequenceWriter, in SequencePoint)"/> does.
    /// </summary>
    /// <exception cref="TrackingException">The writer failed earlier for a point's run or engine; the points before it
    /// are queued.</exception>
    public void EnqueueMany(ReadOnlySpan<QueuedPoint> points)
    {
        int next = 0;
        lock (_lock)
        {
            while (next < points.Length)
            {
                while (_count == _ring.Length && !_threadFailed && !_stopping)
                {
                    Wait();
                }

                ObjectDisposedException.ThrowIf(_stopping, this);
                bool wasEmpty = _count == 0;
                int end = next + Math.Min(_ring.Length - _count, points.Length - next);
                int added = 0;
                try
                {
                    for (; next < end; next++, added++)
                    {
                        ThrowIfFailed(points[next].Sequence);
                        int index = _head + _count + added;
                        _ring[index >= _ring.Length ? index - _ring.Length : index] = points[next];
                    }
                }
                finally
                {
                    _count += added;
                    _enqueued += added;
                    TrackerMetrics.PointsTracked.Add(added);
                    TrackerMetrics.QueueDepth.Add(added);
                    if (wasEmpty && added > 0 && _waiters > 0)
                    {
                        Monitor.PulseAll(_lock);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Waits until every point queued so far is in the engines and their WALs are synced (or dropped, in a scope that
    /// failed), then reports a failure of run <paramref name="hash"/> in engine <paramref name="db"/>; with both
    /// null, a failure of any engine or of the thread.
    /// </summary>
    /// <exception cref="TrackingException">The writer failed in that scope.</exception>
    public void Flush(string? hash = null, Db? db = null)
    {
        lock (_lock)
        {
            long target = _enqueued;
            _flushRequested = Math.Max(_flushRequested, target);
            Monitor.PulseAll(_lock);
            while (_durable < target && !_threadFailed)
            {
                Wait();
            }
        }

        if (Failures.For(hash, db) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>
    /// Like <see cref="Flush"/>, without blocking, and writes <paramref name="key"/> = <paramref name="value"/> into
    /// <paramref name="db"/> in the same engine write batch as the last of the points enqueued before this call (and as
    /// every sequence's pending chunk), synced with them. A remote session's "last batch applied" marker rides this
    /// way (docs/aim-repo.md, "Many machines"): a kill leaves either the marker and the batch's last points, or
    /// neither. The task completes once that write is durable, or faults with the engine's or the thread's failure.
    /// </summary>
    public Task FlushAsync(Db db, byte[] key, byte[] value)
    {
        var marker = new Marker(db, key, value, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (_threadFailed)
            {
                throw Failures.For(null, null)!;
            }

            _flushRequested = Math.Max(_flushRequested, _enqueued);
            _markers.Add(marker);
            Monitor.PulseAll(_lock);
        }

        return marker.Done.Task;
    }

    /// <summary>Flushes, then stops the thread. Points of a failed writer are lost; the failure is rethrown.</summary>
    public void Dispose()
    {
        Exception? failure = null;
        try
        {
            Flush();
        }
        catch (TrackingException e)
        {
            failure = e;
        }

        lock (_lock)
        {
            _stopping = true;
            Monitor.PulseAll(_lock);
        }

        _thread.Join();
        if (failure is not null)
        {
            throw failure;
        }
    }

    private void Wait()
    {
        _waiters++;
        Monitor.Wait(_lock);
        _waiters--;
    }

    private void Run()
    {
        var sinceDirtyWrite = Stopwatch.StartNew();
        bool pendingDirty = false;
        while (true)
        {
            int n;
            long taken;
            bool flush, drained, stop;
            lock (_lock)
            {
                while (_count == 0 && !_stopping && _flushRequested <= _durable && _markers.Count == 0 && !(pendingDirty && sinceDirtyWrite.Elapsed >= _flushInterval))
                {
                    _waiters++;
                    if (pendingDirty)
                    {
                        Monitor.Wait(_lock, _flushInterval);
                    }
                    else
                    {
                        Monitor.Wait(_lock);
                    }

                    _waiters--;
                }

                n = Math.Min(_count, MaxDrain);
                for (int i = 0; i < n; i++)
                {
                    _batch[i] = _ring[_head];
                    _ring[_head] = default;
                    _head = _head + 1 == _ring.Length ? 0 : _head + 1;
                }

                _count -= n;
                TrackerMetrics.QueueDepth.Add(-n);
                _taken += n;
                taken = _taken;
                // A marker asks for a flush even when nothing was tracked since the last one.
                flush = (_flushRequested > _durable || _markers.Count > 0) && _flushRequested <= taken;
                if (flush)
                {
                    // Every pending marker was added when _flushRequested was raised to cover it: this flush does.
                    _markersNow.AddRange(_markers);
                    _markers.Clear();
                }

                drained = _count == 0;
                stop = _stopping && _count == 0;
                if (n > 0 && _waiters > 0)
                {
                    Monitor.PulseAll(_lock);
                }
            }

            try
            {
                for (int i = 0; i < n; i++)
                {
                    // A failure is the point's run's alone (engine failures are caught by the drain, per engine);
                    // the drain holds only whole points, so the other runs' points in it stay consistent.
                    _drain.Apply(_batch[i].Sequence, _batch[i].Point);
                    _batch[i] = default;
                }

                pendingDirty |= n > 0;
                if (pendingDirty && (drained || flush || stop || sinceDirtyWrite.Elapsed >= _flushInterval))
                {
                    // A queue that merely ran empty writes each sequence's last chunk; late points' chunks wait for
                    // a flush or the interval (HasDeferred keeps the timed wait going until then).
                    _drain.Flushing = flush || stop;
                    _drain.WriteAll = flush || stop || sinceDirtyWrite.Elapsed >= _flushInterval;
                    _drain.WriteDirty();
                    pendingDirty = _drain.HasDeferred;
                    if (_drain.WriteAll)
                    {
                        sinceDirtyWrite.Restart();
                    }
                }

                foreach (Marker marker in _markersNow)
                {
                    // After WriteDirty: the marker is the last record of its engine's batch, behind the chunks.
                    _drain.BatchFor(marker.Db).Put(marker.Key, marker.Value);
                }

                _drain.Commit();
                if (flush || stop)
                {
                    _drain.SyncEngines();
                }
            }
            catch (Exception e)
            {
                // Not a run's or an engine's failure: a bug of the writer itself. Nothing can be trusted any more.
                Failures.FailThread(e);
                List<Marker> orphans;
                lock (_lock)
                {
                    _threadFailed = true;
                    orphans = [.. _markers, .. _markersNow];
                    _markers.Clear();
                    Monitor.PulseAll(_lock);
                }

                _markersNow.Clear();
                foreach (Marker marker in orphans)
                {
                    marker.Done.TrySetException(Failures.For(null, null) ?? new TrackingException("The tracking thread failed.", e));
                }

                return;
            }

            CompleteMarkers();

            lock (_lock)
            {
                if (flush || stop)
                {
                    _durable = taken;
                    Monitor.PulseAll(_lock);
                }

                if (stop)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Completes the markers the last drain wrote: durable, or failed with their engine.</summary>
    private void CompleteMarkers()
    {
        foreach (Marker marker in _markersNow)
        {
            if (Failures.For(null, marker.Db) is { } failure)
            {
                marker.Done.TrySetException(failure);
            }
            else
            {
                marker.Done.TrySetResult();
            }
        }

        _markersNow.Clear();
    }

    private sealed class Marker(Db db, byte[] key, byte[] value, TaskCompletionSource done)
    {
        public Db Db { get; } = db;

        public byte[] Key { get; } = key;

        public byte[] Value { get; } = value;

        public TaskCompletionSource Done { get; } = done;
    }
}

/// <summary>A point and the sequence it goes to, as the tracker queues it.</summary>
internal readonly record struct QueuedPoint(SequenceWriter Sequence, SequencePoint Point);
