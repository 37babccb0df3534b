using System.Buffers;
using AimLsm.Encoding;
using AimLsm.Tree;
using AimLsm.Tree.Sequences;
using AimLsm.Tree.Storage;

namespace AimLsm.Remote;

public sealed partial class TrackingServer
{
    private readonly Lock _lock = new();

    /// <summary>Every session the server knows, by id; guarded by <see cref="_lock"/>.</summary>
    private readonly Dictionary<Guid, TrackingSession> _sessions = [];

    /// <summary>Which session holds each run; guarded by <see cref="_lock"/>. A run has one writer at a time.</summary>
    private readonly Dictionary<string, TrackingSession> _holders = new(StringComparer.Ordinal);

    private bool _disposed;

    /// <summary>Releases the runs every session holds: each is closed (its end time recorded), as a local writer's
    /// runs are when it exits. A client that comes back reopens them.</summary>
    public void Dispose()
    {
        List<Run> runs;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            runs = [.. _sessions.Values.SelectMany(s => s.Runs.Values)];
            _sessions.Clear();
            _holders.Clear();
        }

        foreach (Run run in runs)
        {
            try
            {
                run.Dispose();
            }
            catch (Exception e) when (e is RepoException or Kv.DbException or IOException)
            {
                // Its failure was reported to its client (or the disk is gone); the others still close.
            }
        }
    }

    private TrackingSession Attach(Guid id, string who)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_sessions.TryGetValue(id, out TrackingSession? session))
            {
                session = new TrackingSession(id);
                _sessions[id] = session;
            }
            else if (session.Connected)
            {
                throw new TrackingProtocolException(TrackingErrorCode.SessionBusy, $"{session} already has an open connection; a session has one at a time");
            }

            session.Connected = true;
            session.Who = who;
            return session;
        }
    }

    private void Detach(TrackingSession session)
    {
        lock (_lock)
        {
            session.Connected = false;
            session.DisconnectedAt = DateTime.UtcNow;
        }
    }

    /// <summary>
    /// Checks a batch before anything of it is applied: every operation parses, every run it names is free or this
    /// session's, every point refers to a sequence declared before it. A batch that fails here writes nothing.
    /// </summary>
    private void Validate(TrackingSession session, ReadOnlySpan<byte> payload)
    {
        var reader = new BatchReader(payload);
        int sequences = 0;
        while (reader.MoveNext())
        {
            switch (reader.Code)
            {
                case OpCode.TrackFloat or OpCode.TrackInt or OpCode.TrackObject:
                    // Points are most of a batch and need no shared state: the server's lock is taken only for the
                    // operations that name a run, so 64 connections validating at once do not queue on it.
                    if (reader.Sequence >= sequences)
                    {
                        throw new TrackingProtocolException(TrackingErrorCode.MalformedFrame,
                            $"operation {reader.Index} at frame offset {reader.FrameOffset} tracks into sequence {reader.Sequence}, but the batch declared {sequences} before it");
                    }

                    break;
                default:
                    sequences += reader.Code == OpCode.Sequence ? 1 : 0;
                    string hash = reader.HashText;
                    lock (_lock)
                    {
                        if (_holders.TryGetValue(hash, out TrackingSession? holder) && holder != session && HoldsRuns(holder))
                        {
                            throw new TrackingProtocolException(TrackingErrorCode.RunLocked,
                                $"run '{hash}' (operation {reader.Index}, {reader.Code}) is being written by {holder}{(holder.Connected ? "" : $", disconnected at {holder.DisconnectedAt:O} and holding it until {holder.DisconnectedAt + _options.SessionHoldTime:O}")}; a run has one writer at a time");
                        }
                    }

                    break;
            }
        }
    }

    /// <summary>Whether a session still holds its runs: connected, or disconnected for less than the hold time.</summary>
    private bool HoldsRuns(TrackingSession session) =>
        session.Connected || DateTime.UtcNow - session.DisconnectedAt < _options.SessionHoldTime;

    /// <summary>Float and int points prepared at most before they are queued to the tracker together.</summary>
    private const int PreparedPoints = 1024;

    /// <summary>
    /// Applies a validated batch through the runs' own paths; <paramref name="touched"/> gets every run a point went to.
    /// Float and int points are checked and their steps resolved one by one, as <c>Run.Track</c> does, and queued to
    /// the tracker up to <see cref="PreparedPoints"/> at a time (one lock, not one a point: many connections apply at
    /// once); any other operation queues the points before it first, so everything reaches the tracker in order.
    /// </summary>
    private void Apply(TrackingSession session, ReadOnlySpan<byte> payload, List<Run> touched)
    {
        var reader = new BatchReader(payload);
        var sequences = new List<(Run Run, SequenceWriter Writer)>();
        QueuedPoint[] prepared = ArrayPool<QueuedPoint>.Shared.Rent(PreparedPoints);
        int count = 0;
        try
        {
            while (reader.MoveNext())
            {
                try
                {
                    if (reader.Code is OpCode.TrackFloat or OpCode.TrackInt)
                    {
                        (Run run, SequenceWriter writer) = sequences[reader.Sequence];
                        prepared[count++] = reader.Code == OpCode.TrackFloat
                            ? run.Prepare(writer, TrackedValue.Float(reader.Float), "float", reader.Step, Epoch(reader.Epoch), reader.Micros)
                            : run.Prepare(writer, TrackedValue.Int(reader.Int), "int", reader.Step, Epoch(reader.Epoch), reader.Micros);
                        if (count == PreparedPoints)
                        {
                            QueuePrepared(prepared, ref count);
                        }

                        continue;
                    }

                    QueuePrepared(prepared, ref count);
                    ApplyOne(session, ref reader, sequences, touched);
                }
                catch (Exception e) when (e is ArgumentException or AimFormatException or InvalidOperationException and not ObjectDisposedException)
                {
                    QueuePrepared(prepared, ref count); // the points before the refused operation, as a point-by-point apply left them
                    throw new TrackingProtocolException(TrackingErrorCode.InvalidOperation,
                        $"operation {reader.Index} ({reader.Code}) at frame offset {reader.FrameOffset} was refused: {e.Message}", e);
                }
                catch (RunNotFoundException e)
                {
                    throw new TrackingProtocolException(TrackingErrorCode.RunNotFound, $"operation {reader.Index} ({reader.Code}): {e.Message}", e);
                }
                catch (RunLockedException e)
                {
                    throw new TrackingProtocolException(TrackingErrorCode.RunLocked, $"operation {reader.Index} ({reader.Code}): {e.Message}", e);
                }
                catch (RunConflictException e)
                {
                    throw new TrackingProtocolException(TrackingErrorCode.RunConflict, $"operation {reader.Index} ({reader.Code}): {e.Message}", e);
                }
            }

            QueuePrepared(prepared, ref count);
        }
        finally
        {
            ArrayPool<QueuedPoint>.Shared.Return(prepared, clearArray: true); // drop the writers it references
        }
    }

    /// <summary>Queues the prepared points to the tracker in order, and empties the buffer (before queuing: a failure
    /// of the tracker does not queue them twice).</summary>
    private void QueuePrepared(QueuedPoint[] prepared, ref int count)
    {
        if (count == 0)
        {
            return;
        }

        int n = count;
        count = 0;
        _repo.Tracker.EnqueueMany(prepared.AsSpan(0, n));
    }

    private void ApplyOne(TrackingSession session, ref BatchReader reader, List<(Run Run, SequenceWriter Writer)> sequences, List<Run> touched)
    {
        switch (reader.Code)
        {
            case OpCode.TrackObject:
            {
                (Run run, SequenceWriter writer) = sequences[reader.Sequence];
                run.Track(writer, BuildValue(reader.Records), reader.Step, Epoch(reader.Epoch), reader.Micros);
                return;
            }

            case OpCode.CreateRun:
            {
                string hash = reader.HashText;
                if (!session.Runs.ContainsKey(hash))
                {
                    var props = new RunProps
                    {
                        Name = reader.Name ?? "Run: " + hash,
                        Experiment = reader.Text,
                        Description = reader.Description,
                        Tags = [.. reader.Tags.Distinct(StringComparer.Ordinal)],
                        CreatedAt = reader.Time,
                    };
                    bool heldBefore;
                    lock (_lock)
                    {
                        heldBefore = _holders.ContainsKey(hash);
                    }

                    // A run another session held until its hold ran out is open in this process already: take it over.
                    if (heldBefore)
                    {
                        Acquire(session, hash);
                    }
                    else
                    {
                        Hold(session, hash, _repo.CreateRunWithHash(hash, props));
                    }
                }

                return;
            }
        }

        Run target = Acquire(session, reader.HashText);
        switch (reader.Code)
        {
            case OpCode.OpenRun:
                break;
            case OpCode.SetAttr:
                target.Tree[TreePath.Decode(reader.Path)].Set(BuildValue(reader.Records));
                break;
            case OpCode.DeleteAttr:
                target.Tree[TreePath.Decode(reader.Path)].Delete();
                break;
            case OpCode.SetProp:
                switch (reader.Prop)
                {
                    case RunProp.Name: target.Name = reader.Text; break;
                    case RunProp.Experiment: target.Experiment = reader.Text!; break;
                    default: target.Description = reader.Text; break;
                }

                break;
            case OpCode.SetArchived:
                target.Archived = reader.Flag;
                break;
            case OpCode.AddTag:
                target.AddTag(reader.Text!);
                break;
            case OpCode.RemoveTag:
                target.RemoveTag(reader.Text!);
                break;
            case OpCode.Sequence:
                Context? context = reader.Records.Length > 1 && BuildValue(reader.Records) is Dictionary<string, object?> entries ? new Context(entries) : null;
                sequences.Add((target, target.Writer(reader.Text!, context)));
                if (!touched.Contains(target))
                {
                    touched.Add(target);
                }

                break;
            case OpCode.CloseRun:
                Release(session, target.Hash);
                target.Close(reader.Time);
                break;
        }
    }

    /// <summary>The run this session writes: held already, taken over from a session whose hold ran out, or opened.</summary>
    private Run Acquire(TrackingSession session, string hash)
    {
        if (session.Runs.TryGetValue(hash, out Run? run))
        {
            return run;
        }

        lock (_lock)
        {
            if (_holders.TryGetValue(hash, out TrackingSession? holder) && holder != session && holder.Runs.Remove(hash, out Run? expired))
            {
                // Validate saw the holder's hold run out: the open Run object changes hands (this process is its writer).
                session.Runs[hash] = expired;
                _holders[hash] = session;
                return expired;
            }
        }

        Run opened = _repo.OpenRun(hash);
        Hold(session, hash, opened);
        return opened;
    }

    private void Hold(TrackingSession session, string hash, Run run)
    {
        lock (_lock)
        {
            session.Runs[hash] = run;
            _holders[hash] = session;
        }
    }

    private void Release(TrackingSession session, string hash)
    {
        lock (_lock)
        {
            session.Runs.Remove(hash);
            _holders.Remove(hash);
        }
    }

    /// <summary>A value from its records (docs/format.md 15.2), as the run's tree or a tracked value holds it.</summary>
    private static object? BuildValue(ReadOnlySpan<byte> records)
    {
        var tree = new TreeReader();
        BatchReader.ForEachRecord(records, tree.Add);
        return tree.IsEmpty ? null : tree.Build();
    }

    private static long? Epoch(long wire) => wire == long.MinValue ? null : wire;
}
