using System.Diagnostics;
using System.Threading.Channels;
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
/// The queue is a bounded <see cref="Channel{T}"/> (System.Threading.Channels). A flush is an item of the queue
/// itself (a <see cref="Request"/>), so "every point enqueued before it" is exactly the points ahead of it in the
/// queue, whichever threads enqueued them.
/// Failures are kept per scope (<see cref="TrackingFailures"/>): a point the writer cannot apply stops its run only,
/// a failed engine write or sync stops that engine's runs only, and the writer goes on for everything else; each
/// later caller in a failed scope gets a <see cref="TrackingException"/> that carries the cause.
/// </summary>
internal sealed class Tracker : IDisposable
{
    public const int MaxDrain = 8192;

    private readonly Channel<Item> _queue;
    private readonly TimeSpan _flushInterval;
    private readonly Thread _thread;
    private long _enqueued; // Interlocked
    private volatile bool _stopping;
    private volatile bool _threadFailed;

    // The writer thread's own.
    private readonly DrainContext _drain;
    private readonly Item[] _batch = new Item[MaxDrain];
    private readonly List<Request> _requests = [];
    private Task<bool>? _readable; // a wait for items that outlived its timeout, kept for the next wait

    public Tracker(int capacity, TimeSpan flushInterval)
    {
        _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            AllowSynchronousContinuations = false,
        });
        _flushInterval = flushInterval;
        _drain = new DrainContext(Failures);
        _thread = new Thread(Run) { IsBackground = true, Name = "AimLsm tracker" };
        _thread.Start();
    }

    /// <summary>What failed so far.</summary>
    public TrackingFailures Failures { get; } = new();

    /// <summary>Points tracked so far.</summary>
    public long Enqueued => Interlocked.Read(ref _enqueued);

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
        ThrowIfFailed(sequence);
        ObjectDisposedException.ThrowIf(_stopping, this);
        var item = new Item(sequence, point);
        if (!_queue.Writer.TryWrite(item) && !WriteWhenRoom(item))
        {
            ThrowIfFailed(sequence);
            throw new ObjectDisposedException(nameof(Tracker));
        }

        Interlocked.Increment(ref _enqueued);
        TrackerMetrics.PointsTracked.Add(1);
        TrackerMetrics.QueueDepth.Add(1);
    }

    /// <summary>
    /// Waits until every point queued so far is in the engines and their WALs are synced (or dropped, in a scope that
    /// failed), then reports a failure of run <paramref name="hash"/> in engine <paramref name="db"/>; with both
    /// null, a failure of any engine or of the thread.
    /// </summary>
    /// <exception cref="TrackingException">The writer failed in that scope.</exception>
    public void Flush(string? hash = null, Db? db = null)
    {
        var request = new Request(null, null, null);
        if (_queue.Writer.TryWrite(new Item(request, default)) || WriteWhenRoom(new Item(request, default)))
        {
            // Completed by the writer thread after the sync, or when it fails; never faulted.
            request.Done.Task.Wait();
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
        ObjectDisposedException.ThrowIf(_stopping, this);
        if (_threadFailed)
        {
            throw Failures.For(null, null)!;
        }

        var marker = new Request(db, key, value);
        // Behind every point enqueued before this call: a full queue keeps the marker in the channel's line of
        // waiting writers, in order, and this call does not wait for room.
        ValueTask written = _queue.Writer.WriteAsync(new Item(marker, default));
        if (!written.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(written, marker);
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

        _stopping = true;
        _queue.Writer.TryComplete();
        _thread.Join();
        if (failure is not null)
        {
            throw failure;
        }
    }

    /// <summary>Writes <paramref name="item"/> once the queue has room (back-pressure); false when the queue is closed
    /// (the repo stopped or the writer thread failed).</summary>
    private bool WriteWhenRoom(Item item)
    {
        while (true)
        {
            ValueTask<bool> room = _queue.Writer.WaitToWriteAsync();
            if (!(room.IsCompletedSuccessfully ? room.Result : room.AsTask().GetAwaiter().GetResult()))
            {
                return false;
            }

            if (_queue.Writer.TryWrite(item))
            {
                return true;
            }
        }
    }

    private async Task ObserveAsync(ValueTask written, Request marker)
    {
        try
        {
            await written.ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            marker.Done.TrySetException(Failures.For(null, null) ?? (Exception)new ObjectDisposedException(nameof(Tracker)));
        }
    }

    /// <summary>Waits until the queue has an item or <paramref name="timeout"/> passes; false once it is closed and
    /// empty.</summary>
    private bool WaitForItems(TimeSpan timeout)
    {
        if (_readable is null)
        {
            ValueTask<bool> ready = _queue.Reader.WaitToReadAsync();
            if (ready.IsCompletedSuccessfully)
            {
                return ready.Result;
            }

            _readable = ready.AsTask();
        }

        if (!_readable.Wait(timeout))
        {
            return true;
        }

        bool open = _readable.Result;
        _readable = null;
        return open;
    }

    private void Run()
    {
        var sinceDirtyWrite = Stopwatch.StartNew();
        bool pendingDirty = false;
        ChannelReader<Item> reader = _queue.Reader;
        while (true)
        {
            bool open = true;
            if (!reader.TryPeek(out _))
            {
                TimeSpan left = pendingDirty ? _flushInterval - sinceDirtyWrite.Elapsed : Timeout.InfiniteTimeSpan;
                if (!pendingDirty || left > TimeSpan.Zero)
                {
                    open = WaitForItems(left);
                }
            }

            int n = 0;
            bool flush = false;
            while (n < MaxDrain && reader.TryRead(out Item item))
            {
                if (item.Target is Request request)
                {
                    // A flush or a marker: everything ahead of it is in this drain or an earlier one.
                    _requests.Add(request);
                    flush = true;
                }
                else
                {
                    _batch[n++] = item;
                }
            }

            TrackerMetrics.QueueDepth.Add(-n);
            bool drained = !reader.TryPeek(out _);
            bool stop = !open;
            try
            {
                for (int i = 0; i < n; i++)
                {
                    // A failure is the point's run's alone (engine failures are caught by the drain, per engine);
                    // the drain holds only whole points, so the other runs' points in it stay consistent.
                    _drain.Apply((SequenceWriter)_batch[i].Target, _batch[i].Point);
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

                foreach (Request request in _requests)
                {
                    // After WriteDirty: the marker is the last record of its engine's batch, behind the chunks.
                    if (request.Db is not null)
                    {
                        _drain.BatchFor(request.Db).Put(request.Key!, request.Value!);
                    }
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
                _threadFailed = true;
                _queue.Writer.TryComplete();
                while (reader.TryRead(out Item left))
                {
                    if (left.Target is Request request)
                    {
                        _requests.Add(request);
                    }
                }

                foreach (Request request in _requests)
                {
                    if (request.Db is null)
                    {
                        request.Done.TrySetResult(); // the flusher reads the failure itself
                    }
                    else
                    {
                        request.Done.TrySetException(Failures.For(null, null) ?? new TrackingException("The tracking thread failed.", e));
                    }
                }

                _requests.Clear();
                return;
            }

            CompleteRequests();
            if (stop)
            {
                return;
            }
        }
    }

    /// <summary>Completes the flushes and markers the last drain wrote: durable, or failed with their engine.</summary>
    private void CompleteRequests()
    {
        foreach (Request request in _requests)
        {
            if (request.Db is not null && Failures.For(null, request.Db) is { } failure)
            {
                request.Done.TrySetException(failure);
            }
            else
            {
                request.Done.TrySetResult();
            }
        }

        _requests.Clear();
    }

    /// <summary>A queued point (<see cref="Target"/> its <see cref="SequenceWriter"/>) or a <see cref="Request"/>.
    /// One reference field for both keeps the item, and so the queue, as small as a point alone.</summary>
    private readonly record struct Item(object Target, SequencePoint Point);

    /// <summary>A flush (no <see cref="Db"/>) or a marker to write with it.</summary>
    private sealed class Request(Db? db, byte[]? key, byte[]? value)
    {
        public Db? Db { get; } = db;

        public byte[]? Key { get; } = key;

        public byte[]? Value { get; } = value;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
