using AimLsm.Tree;
using Microsoft.Extensions.Logging;

namespace AimLsm.Remote;

public sealed partial class RemoteRepo
{
    // The batches' state, shared by the sender thread (seals and places batches, moves spooled ones into memory),
    // the connection (sends, takes acknowledgements) and Flush. Invariants, under _state:
    //  - _memory holds the oldest unacknowledged batches, numbers contiguous from _acked + 1, and _memoryBytes their
    //    frames' bytes; the spool holds the next ones, contiguous, after _memory's;
    //  - a batch is in exactly one of _memory and the spool, from its sealing until it is acknowledged;
    //  - while connected, _memory holds at most MemoryBytes of frames (or one batch, whatever its size); while not,
    //    at most Window batches: an outage of any length spills to the disk, never to the heap. Only when the spool
    //    cannot be written does _memory grow past that;
    //  - a batch goes to the spool only when it does not fit in memory or the spool holds batches already (order);
    //  - _sent is the last batch sent on the current connection; at most Window batches after _acked are sent.
    private readonly Lock _state = new();
    private readonly List<SealedBatch> _memory = [];
    private long _memoryBytes;
    private readonly List<(ulong Number, FlushRequest Request)> _flushes = [];
    private readonly List<Refusal> _refusals = [];
    private readonly SemaphoreSlim _room = new(0);
    private Spool? _spool;
    private bool _spoolFailed;
    private ulong _sealed;
    private ulong _acked;
    private ulong _sent;
    private bool _connected;
    private DateTime _downSince;
    private DateTime _upSince;
    private string? _lastFailure;
    private TrackingProtocolException? _refusal;
    private volatile int _serverMaxFrame = 16 << 20;
    private volatile Exception? _broken;
    private bool _spoolFull;
    private int _blockedLogged;

    /// <summary>A batch the server refused, and whether <see cref="Flush"/> threw it already.</summary>
    private sealed class Refusal(TrackingProtocolException error, RemoteRun? run)
    {
        public TrackingProtocolException Error { get; } = error;

        public RemoteRun? Run { get; } = run;

        public bool Thrown { get; set; }
    }

    /// <summary>Places a sealed batch: in memory when the spool is empty and the batch fits
    /// (<see cref="FitsInMemory"/>), else into the spool; waits while the spool is full (the queue then fills and
    /// Track blocks).</summary>
    private void Place(SealedBatch batch)
    {
        while (true)
        {
            lock (_state)
            {
                bool spoolEmpty = _spool is null || _spool.Count == 0;
                if (spoolEmpty && (_spoolFailed || FitsInMemory(batch.Frame.Length)))
                {
                    Keep(batch);
                    _spoolFull = false;
                    SignalSend();
                    return;
                }

                if (!_spoolFailed && (spoolEmpty || _spool!.Bytes + batch.Frame.Length <= _options.SpoolBytes))
                {
                    if (TrySpool(batch))
                    {
                        _spoolFull = false;
                        return;
                    }

                    continue; // the spool failed: the batch stays in memory (above)
                }

                _spoolFull = true;
                if (_queue.Count >= _options.QueueCapacity)
                {
                    LogBlockedOnce();
                }
            }

            if (_stopping.IsCancellationRequested)
            {
                lock (_state)
                {
                    Keep(batch); // counted in Dispose's message; lost with the process
                }

                return;
            }

            // Woken by an acknowledgement (room in memory: RefillMemory frees spool bytes) or by Dispose.
            _room.Wait(TimeSpan.FromMilliseconds(200));
            RefillMemory();
        }
    }

    /// <summary>
    /// Whether a batch of <paramref name="frameBytes"/> may wait in memory rather than in the spool (under
    /// <see cref="_state"/>): while connected, up to <see cref="RemoteRepoOptions.MemoryBytes"/> of frames, so a
    /// server that keeps up never costs a spool write and read; while not, up to <see cref="RemoteRepoOptions.Window"/>
    /// batches, so an outage spills to the disk. An empty memory always takes one batch, whatever its size.
    /// </summary>
    private bool FitsInMemory(int frameBytes) =>
        _memory.Count == 0 ||
        (_memoryBytes + frameBytes <= _options.MemoryBytes && (_connected || _memory.Count < _options.Window));

    /// <summary>Appends a batch to <see cref="_memory"/> (under <see cref="_state"/>).</summary>
    private void Keep(SealedBatch batch)
    {
        _memory.Add(batch);
        _memoryBytes += batch.Frame.Length;
    }

    /// <summary>Appends to the spool, creating it at the first batch; false (and logged once) when it cannot be written.</summary>
    private bool TrySpool(SealedBatch batch)
    {
        try
        {
            if (_spool is null)
            {
                _spool = Spool.Create(SpoolFolder, Session);
                _logger?.LogInformation("remote tracking: spooling batches of {Repo} in {Spool}", this, SpoolFolder);
            }

            _spool.Add(batch);
            return true;
        }
        catch (Exception e) when (e is Kv.DbException or IOException or UnauthorizedAccessException)
        {
            _spoolFailed = true;
            _logger?.LogError(e, "remote tracking: the spool at {Spool} cannot be written; batches of {Repo} stay in memory until the server takes them", SpoolFolder, this);
            return false;
        }
    }

    /// <summary>Moves spooled batches into memory, oldest first, while they fit (sender thread).</summary>
    private void RefillMemory()
    {
        lock (_state)
        {
            bool moved = false;
            while (_spool is { Count: > 0 } spool && FitsInMemory(spool.FirstBytes))
            {
                Keep(spool.TakeFirst());
                moved = true;
            }

            if (moved)
            {
                SignalSend();
            }
        }
    }

    /// <summary>The server acknowledged every batch up to <paramref name="number"/>.</summary>
    private void OnAck(ulong number)
    {
        lock (_state)
        {
            Acknowledge(number);
        }
    }

    private void Acknowledge(ulong number)
    {
        if (number <= _acked)
        {
            return;
        }

        _acked = number;
        int drop = 0;
        while (drop < _memory.Count && _memory[drop].Number <= number)
        {
            _memoryBytes -= _memory[drop].Frame.Length;
            drop++;
        }

        _memory.RemoveRange(0, drop);
        if (_memory.Count > 0 && _memory[^1].Number > _sent)
        {
            SignalSend(); // the window of batches in flight moved on
        }

        for (int i = _flushes.Count - 1; i >= 0; i--)
        {
            if (_flushes[i].Number <= number)
            {
                _flushes[i].Request.Done.TrySetResult();
                _flushes.RemoveAt(i);
            }
        }

        if (_spool is { Count: > 0 } || _spoolFull)
        {
            _room.Release();
            _queue.Wake();
        }
    }

    /// <summary>The server's Welcome: batches up to <paramref name="applied"/> are durable; the rest are resent.</summary>
    private void OnWelcome(ulong applied, int maxFrame)
    {
        lock (_state)
        {
            if (applied < _acked)
            {
                Break(new RepoException(
                    $"The aim-server at {_endpoint} says batch {applied} is the last of session {Session:N} it applied, but it had acknowledged batch {_acked}: its repo lost acknowledged points (restored from an older copy?). Tracking into it stops."));
                return;
            }

            Acknowledge(applied);
            if (_broken is UnauthorizedAccessException)
            {
                _broken = null; // the server takes the token now
            }

            if (_refusal is { } refusal)
            {
                _refusal = null;
                if (_memory.Count > 0 && _memory[0].Number == applied + 1)
                {
                    Refuse(_memory[0], refusal);
                }
                else
                {
                    Break(new RepoException($"The aim-server at {_endpoint} refused a batch of session {Session:N} that is not the next one after {applied}: {refusal.Message}", refusal));
                    return;
                }
            }

            _sent = applied;
            _connected = true;
            _upSince = DateTime.UtcNow;
            _lastFailure = null;
            _serverMaxFrame = maxFrame;
            SignalSend();
        }

        _firstWelcome.TrySetResult();
        _logger?.LogInformation("remote tracking: {Repo} connected; the server had applied batches up to {Applied}", this, applied);
    }

    /// <summary>
    /// Replaces a refused batch by an empty one of the same number (the server applies nothing and the numbering goes
    /// on: a refused batch must not wedge the session) and makes every run it named fail with the server's reason.
    /// </summary>
    private void Refuse(SealedBatch batch, TrackingProtocolException refusal)
    {
        var runs = new List<string>();
        int operations = 0;
        var reader = new BatchReader(TrackingFrame.Parse(batch.Frame, out _, out _));
        while (reader.MoveNext())
        {
            operations++;
            if (reader.Code is not (OpCode.TrackFloat or OpCode.TrackInt or OpCode.TrackObject) && !runs.Contains(reader.HashText))
            {
                runs.Add(reader.HashText);
            }
        }

        int points = batch.Points;
        _memoryBytes -= batch.Frame.Length;
        batch.Frame = TrackingFrame.Build(FrameType.Batch, batch.Number, []);
        _memoryBytes += batch.Frame.Length;
        batch.Points = 0;
        _logger?.LogError("remote tracking: the server refused batch {Number} of {Repo} ({Points} points, {Operations} operations, runs {Runs}): {Message}",
            batch.Number, this, points, operations, string.Join(", ", runs), refusal.Message);
        foreach (string hash in runs)
        {
            var error = new TrackingProtocolException(refusal.Code,
                $"The aim-server refused batch {batch.Number} of run '{hash}' ({points} points and {operations - points} other operations of the batch, for runs {string.Join(", ", runs)}, are not stored; later batches go on): {refusal.Message}",
                refusal);
            RemoteRun? run = _runs.GetValueOrDefault(hash);
            run?.Fail(error);
            _refusals.Add(new Refusal(error, run));
        }
    }

    /// <summary>The connection is gone (or never came): batches wait in memory and in the spool.</summary>
    private void OnDisconnected(string? reason)
    {
        bool wasUp;
        lock (_state)
        {
            wasUp = _connected;
            if (wasUp)
            {
                _downSince = DateTime.UtcNow;
            }

            _connected = false;
            _lastFailure = reason ?? _lastFailure;
        }

        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        if (wasUp)
        {
            _logger?.LogWarning("remote tracking: {Repo} lost its connection ({Reason}); tracking goes on into the spool, reconnecting", this, reason);
        }
        else
        {
            _logger?.LogDebug("remote tracking: {Repo} cannot reach the server ({Reason})", this, reason);
        }
    }

    /// <summary>A failure of the whole repo: every later call throws it, and waiting flushes end.</summary>
    private void Break(Exception failure)
    {
        _broken ??= failure;
        _logger?.LogError(failure, "remote tracking: {Repo} stops", this);
        foreach ((_, FlushRequest request) in _flushes)
        {
            request.Done.TrySetException(failure);
        }

        _flushes.Clear();
        _stopping.Cancel();
    }

    /// <summary>The sender registers a flush for the last batch sealed before it.</summary>
    private void RegisterFlush(FlushRequest request)
    {
        lock (_state)
        {
            if (_broken is { } broken)
            {
                request.Done.TrySetException(broken);
            }
            else if (_acked >= _sealed)
            {
                request.Done.TrySetResult();
            }
            else
            {
                _flushes.Add((_sealed, request));
            }
        }
    }

    private void ThrowUnreported()
    {
        lock (_state)
        {
            foreach (Refusal refusal in _refusals)
            {
                if (!refusal.Thrown && refusal.Run is not { FailureReported: true })
                {
                    refusal.Thrown = true;
                    throw refusal.Error;
                }
            }
        }
    }

    /// <summary>Unacknowledged batches held in memory and in the spool now (for tests).</summary>
    internal (int InMemory, int Spooled) Unacknowledged
    {
        get
        {
            lock (_state)
            {
                return (_memory.Count, _spool?.Count ?? 0);
            }
        }
    }

    /// <summary>Bytes of the unacknowledged batches held in memory now, their frames' sizes (for tests).</summary>
    internal long UnacknowledgedBytesInMemory
    {
        get
        {
            lock (_state)
            {
                return _memoryBytes;
            }
        }
    }

    /// <summary>What waits and why, for a timeout's message.</summary>
    private string Waiting(string what)
    {
        lock (_state)
        {
            long points = 0;
            foreach (SealedBatch batch in _memory)
            {
                points += batch.Points;
            }

            int spooled = _spool?.Count ?? 0;
            points += _spool?.Points ?? 0;
            string server = _connected
                ? $"the aim-server at {_endpoint} is connected since {_upSince:O} and has acknowledged batches up to {_acked} of {_sealed}"
                : $"the aim-server at {_endpoint} is unreachable since {_downSince:O} ({_lastFailure ?? "not connected yet"})";
            return $"{what}: {server}. Waiting: {_memory.Count + spooled} batches ({points} points) not acknowledged, " +
                   $"{_memory.Count} in memory and {spooled} ({_spool?.Bytes ?? 0} bytes) in the spool at '{SpoolFolder}', " +
                   $"and {_queue.Count} operations queued before them. Nothing is dropped: they are sent once the server answers.";
        }
    }

    /// <summary>A producer waits for room in the queue: Track blocks; logged once when the spool is full too.</summary>
    private void OnQueueFull()
    {
        bool spoolFull;
        lock (_state)
        {
            spoolFull = _spoolFull;
        }

        if (spoolFull)
        {
            LogBlockedOnce();
        }
    }

    /// <summary>Says once in the repo's life that Track blocks because the queue and the spool are both full: from a
    /// producer that finds the queue full after the spool filled, or from the sender that finds the spool full after
    /// the queue filled (either may come first).</summary>
    private void LogBlockedOnce()
    {
        if (Interlocked.Exchange(ref _blockedLogged, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => _logger?.LogWarning(
                "remote tracking: Track blocks: the queue ({Queue} operations) and the spool ({Bytes} bytes, RemoteRepoOptions.SpoolBytes) of {Repo} are full. {Waiting}",
                _options.QueueCapacity, _options.SpoolBytes, this, Waiting("Tracking waits for the server")), null);
        }
    }

    private void CloseSpool()
    {
        lock (_state)
        {
            if (_spool is not { } spool)
            {
                return;
            }

            bool empty = spool.Count == 0;
            spool.Dispose();
            _spool = null;
            if (empty)
            {
                try
                {
                    Kv.Db.Destroy(SpoolFolder);
                }
                catch (Kv.DbException e)
                {
                    _logger?.LogWarning(e, "remote tracking: the empty spool at {Spool} could not be deleted", SpoolFolder);
                }
            }
            else
            {
                _logger?.LogError("remote tracking: {Repo} closes with {Count} batches unacknowledged in its spool at {Spool} (kept for inspection)", this, spool.Count, SpoolFolder);
            }
        }
    }
}
