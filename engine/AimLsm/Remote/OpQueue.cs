namespace AimLsm.Remote;

/// <summary>
/// The bounded queue between the threads that track and the one sender thread: a ring of <see cref="PendingOp"/>
/// structs under one lock, held only to copy an entry in or a run of entries out, so a <c>Track</c> costs a lock and
/// a struct copy. A full queue blocks its producers until the sender drains it (back-pressure); the first time that
/// happens while the sender itself waits for room in the spool, <see cref="Full"/> is raised once so the repo can log it.
/// Thread-safe for any number of producers and one consumer.
/// </summary>
internal sealed class OpQueue
{
    private readonly object _lock = new();
    private readonly PendingOp[] _ring;
    private int _head;
    private int _count;
    private int _producersWaiting;
    private bool _consumerWaiting;
    private bool _closed;

    public OpQueue(int capacity)
    {
        _ring = new PendingOp[capacity];
    }

    /// <summary>Raised (in a producer's thread, outside the lock) when a producer has to wait for room.</summary>
    public event Action? Full;

    /// <summary>Entries waiting, for messages.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Appends an entry, blocking while the queue is full.</summary>
    /// <exception cref="ObjectDisposedException">The queue was closed (the repo is disposed).</exception>
    public void Add(in PendingOp op)
    {
        lock (_lock)
        {
            if (_count == _ring.Length)
            {
                WaitForRoom();
            }

            ObjectDisposedException.ThrowIf(_closed, typeof(RemoteRepo));
            int index = _head + _count;
            _ring[index >= _ring.Length ? index - _ring.Length : index] = op;
            _count++;
            if (_consumerWaiting)
            {
                _consumerWaiting = false;
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>
    /// Moves up to <paramref name="into"/>'s length of entries out, oldest first; waits up to <paramref name="timeout"/>
    /// (infinite: <see cref="Timeout.InfiniteTimeSpan"/>) when there is none. Returns 0 on a timeout, a
    /// <see cref="Wake"/>, or once the queue is closed and empty.
    /// </summary>
    public int Take(PendingOp[] into, TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_count == 0 && !_closed)
            {
                _consumerWaiting = true;
                Monitor.Wait(_lock, timeout);
                _consumerWaiting = false;
            }

            int n = Math.Min(_count, into.Length);
            for (int i = 0; i < n; i++)
            {
                into[i] = _ring[_head];
                _ring[_head] = default; // drop the references (payloads, sequences) the entry held
                _head = _head + 1 == _ring.Length ? 0 : _head + 1;
            }

            _count -= n;
            if (n > 0 && _producersWaiting > 0)
            {
                Monitor.PulseAll(_lock);
            }

            return n;
        }
    }

    /// <summary>Wakes the consumer if it waits (an acknowledgement made room for spooled batches).</summary>
    public void Wake()
    {
        lock (_lock)
        {
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Refuses further entries and wakes everyone; entries already in stay for the consumer.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Monitor.PulseAll(_lock);
        }
    }

    public bool IsClosed
    {
        get
        {
            lock (_lock)
            {
                return _closed;
            }
        }
    }

    private void WaitForRoom()
    {
        _producersWaiting++;
        try
        {
            Monitor.Exit(_lock);
            try
            {
                Full?.Invoke();
            }
            finally
            {
                Monitor.Enter(_lock);
            }

            while (_count == _ring.Length && !_closed)
            {
                Monitor.Wait(_lock);
            }
        }
        finally
        {
            _producersWaiting--;
        }
    }
}
