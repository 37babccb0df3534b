namespace AimLsm.Remote;

/// <summary>
/// The bounded queue between the threads that track and the one sender thread: a ring of <see cref="PendingOp"/>
/// structs under one lock, held only to copy an entry in or a run of entries out, so a <c>Track</c> costs a lock and
/// a struct copy. A full queue blocks its producers until the sender drains it (back-pressure); the first time that
/// happens while the sender itself waits for room in the spool, <see cref="Full"/> is raised once so the repo can log it.
/// Thread-safe for any number of producers and one consumer.
/// <para>
/// A sender that waits with a batch in hand (<see cref="Take"/> with <c>eager</c> false) is woken only once
/// <see cref="WakeCount"/> entries wait or an entry that is not a point arrives (a flush must not wait out the
/// batch delay); its timeout bounds the rest. Waking it at every point made the tracking threads pay a futex wake
/// and the sender a trip through the scheduler per point or few points: the remote bench's clients spent more CPU
/// on that than on encoding.
/// </para>
/// </summary>
internal sealed class OpQueue
{
    /// <summary>Entries that wake a sender waiting with a batch in hand: enough that a wake costs little per point,
    /// few against the queue's capacity and a batch, so the sender keeps up.</summary>
    internal const int WakeCount = 512;

    private readonly object _lock = new();
    private readonly PendingOp[] _ring;
    private int _head;
    private int _count;
    private int _producersWaiting;
    private ConsumerWait _consumer;
    private bool _closed;

    /// <summary>How the consumer waits, if it does.</summary>
    private enum ConsumerWait : byte
    {
        /// <summary>It does not wait.</summary>
        None,

        /// <summary>For any entry: it holds nothing to send.</summary>
        Eager,

        /// <summary>For <see cref="WakeCount"/> entries or one that is not a point, else its timeout.</summary>
        Lazy,
    }

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
            if (_consumer == ConsumerWait.Eager || (_consumer == ConsumerWait.Lazy && (_count >= WakeCount || !op.IsPoint)))
            {
                _consumer = ConsumerWait.None;
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>
    /// Moves up to <paramref name="into"/>'s length of entries out, oldest first. When there is none (or, not
    /// <paramref name="eager"/>, fewer than <see cref="WakeCount"/> points) it first waits up to
    /// <paramref name="timeout"/> (infinite: <see cref="Timeout.InfiniteTimeSpan"/>): until the first entry when
    /// <paramref name="eager"/>, else until <see cref="WakeCount"/> entries or one that is not a point. Returns 0 on a
    /// timeout with nothing queued, a <see cref="Wake"/>, or once the queue is closed and empty.
    /// </summary>
    public int Take(PendingOp[] into, TimeSpan timeout, bool eager = true)
    {
        lock (_lock)
        {
            if (!_closed && (_count == 0 || (!eager && _count < WakeCount && timeout != TimeSpan.Zero && OnlyPoints())))
            {
                _consumer = eager ? ConsumerWait.Eager : ConsumerWait.Lazy;
                Monitor.Wait(_lock, timeout);
                _consumer = ConsumerWait.None;
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

    /// <summary>Whether every queued entry is a point (under the lock): any other wakes a lazy consumer at once.</summary>
    private bool OnlyPoints()
    {
        for (int i = 0, index = _head; i < _count; i++, index = index + 1 == _ring.Length ? 0 : index + 1)
        {
            if (!_ring[index].IsPoint)
            {
                return false;
            }
        }

        return true;
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
