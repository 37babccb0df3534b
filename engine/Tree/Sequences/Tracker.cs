using System.Diagnostics;
using AimLsm.Lsm;

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
/// A failure of the writer thread is kept and thrown to every later caller as a <see cref="TrackingException"/>.
/// </summary>
internal sealed class Tracker : IDisposable
{
    public const int MaxDrain = 8192;

    // All fields below are guarded by _lock; the thread waits on it for work, producers for room, flushers for progress.
    private readonly object _lock = new();
    private readonly Item[] _ring;
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
    private Exception? _failure;

    private readonly DrainContext _drain = new();
    private readonly Item[] _batch = new Item[MaxDrain];

    public Tracker(int capacity, TimeSpan flushInterval)
    {
        _ring = new Item[capacity];
        _flushInterval = flushInterval;
        _thread = new Thread(Run) { IsBackground = true, Name = "AimLsm tracker" };
        _thread.Start();
    }

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

    /// <summary>Queues a point, blocking while the queue is full.</summary>
    /// <exception cref="TrackingException">The writer failed earlier.</exception>
    public void Enqueue(SequenceWriter sequence, in SequencePoint point)
    {
        lock (_lock)
        {
            while (_count == _ring.Length && _failure is null && !_stopping)
            {
                Wait();
            }

            ThrowIfFailed();
            ObjectDisposedException.ThrowIf(_stopping, this);
            int index = _head + _count;
            _ring[index >= _ring.Length ? index - _ring.Length : index] = new Item(sequence, point);
            _count++;
            _enqueued++;
            if (_count == 1 && _waiters > 0)
            {
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Waits until every point queued so far is in the engines and their WALs are synced.</summary>
    /// <exception cref="TrackingException">The writer failed.</exception>
    public void Flush()
    {
        lock (_lock)
        {
            long target = _enqueued;
            _flushRequested = Math.Max(_flushRequested, target);
            Monitor.PulseAll(_lock);
            while (_durable < target && _failure is null)
            {
                Wait();
            }

            ThrowIfFailed();
        }
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

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            throw new TrackingException("The background tracking writer failed; tracked points may be lost: " + _failure.Message, _failure);
        }
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
                while (_count == 0 && !_stopping && _flushRequested <= _durable && !(pendingDirty && sinceDirtyWrite.Elapsed >= _flushInterval))
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
                _taken += n;
                taken = _taken;
                flush = _flushRequested > _durable && _flushRequested <= taken;
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
                    _batch[i].Sequence.Apply(_batch[i].Point, _drain);
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

                _drain.Commit();
                if (flush || stop)
                {
                    foreach (Db db in _drain.Engines)
                    {
                        db.SyncWal();
                    }
                }
            }
            catch (Exception e)
            {
                lock (_lock)
                {
                    _failure = e;
                    Monitor.PulseAll(_lock);
                }

                return;
            }

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

    private readonly record struct Item(SequenceWriter Sequence, SequencePoint Point);
}
