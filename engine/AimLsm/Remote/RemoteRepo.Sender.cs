using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace AimLsm.Remote;

public sealed partial class RemoteRepo
{
    /// <summary>Queue entries taken at once.</summary>
    private const int TakeBatch = 1024;

    /// <summary>
    /// The sender thread: takes what Track and the runs queued, builds batches with one reused
    /// <see cref="BatchWriter"/>, seals them by count, bytes, time or a flush, and places them (in memory or in the spool). It
    /// alone writes <see cref="_sealed"/>, touches the spool's engine and the sequences' batch indexes.
    /// </summary>
    private void SenderLoop()
    {
        var taken = new PendingOp[TakeBatch];
        var batch = new BatchWriter();
        long generation = 1;
        int points = 0;
        long firstAt = 0;
        long delayTicks = (long)(_options.BatchDelay.TotalSeconds * Stopwatch.Frequency);
        try
        {
            while (true)
            {
                RefillMemory();
                TimeSpan wait = Timeout.InfiniteTimeSpan;
                if (batch.Operations > 0)
                {
                    long left = firstAt + delayTicks - Stopwatch.GetTimestamp();
                    wait = left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)left / Stopwatch.Frequency);
                }
                else if (_spool is { Count: > 0 })
                {
                    wait = TimeSpan.FromMilliseconds(100); // an acknowledgement wakes it too (OpQueue.Wake)
                }

                // With a batch in hand the sender waits for a run of points (or its delay, or a flush), not for each.
                int n = _queue.Take(taken, wait, eager: batch.Operations == 0);
                for (int i = 0; i < n; i++)
                {
                    ref PendingOp op = ref taken[i];
                    switch (op.Kind)
                    {
                        case PendingKind.Flush:
                            if (batch.Operations > 0)
                            {
                                Seal(batch, ref generation, ref points);
                            }

                            RegisterFlush((FlushRequest)op.Payload!);
                            break;
                        case PendingKind.Run:
                            ((RunOperation)op.Payload!)(batch);
                            break;
                        default:
                            if (op.Kind == PendingKind.Object && batch.Operations > 0 && batch.Bytes + ((byte[])op.Payload!).Length + 64 > _serverMaxFrame)
                            {
                                Seal(batch, ref generation, ref points); // this value would push the batch past the server's frame limit
                            }

                            Append(batch, op, generation);
                            points++;
                            break;
                    }

                    if (batch.Operations == 1)
                    {
                        firstAt = Stopwatch.GetTimestamp();
                    }

                    if (batch.Operations >= _options.BatchOperations || batch.Bytes >= _options.BatchBytes)
                    {
                        Seal(batch, ref generation, ref points);
                    }
                }

                Array.Clear(taken, 0, n);
                if (batch.Operations > 0 && Stopwatch.GetTimestamp() - firstAt >= delayTicks)
                {
                    Seal(batch, ref generation, ref points);
                }

                if (n == 0 && _queue.IsClosed && _queue.Count == 0)
                {
                    if (batch.Operations > 0)
                    {
                        Seal(batch, ref generation, ref points);
                    }

                    return;
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug or a failing spool: nothing further can be sent, and the callers must hear of it.
            lock (_state)
            {
                Break(new Tree.RepoException($"The sender of {this} failed: {e.Message}", e));
            }

            _queue.Close();
            _logger?.LogCritical(e, "remote tracking: the sender of {Repo} failed", this);
        }
    }

    /// <summary>Appends a point, declaring its sequence first if this batch has not yet.</summary>
    private static void Append(BatchWriter batch, in PendingOp op, long generation)
    {
        RemoteSequence sequence = op.Sequence!;
        if (sequence.BatchGeneration != generation)
        {
            sequence.BatchIndex = batch.Sequence(sequence.Run.Hash, sequence.Name, sequence.ContextRecords);
            sequence.BatchGeneration = generation;
        }

        switch (op.Kind)
        {
            case PendingKind.Float:
                batch.TrackFloat(sequence.BatchIndex, op.Step, op.Epoch, op.Micros, BitConverter.Int64BitsToDouble(op.Bits));
                break;
            case PendingKind.Int:
                batch.TrackInt(sequence.BatchIndex, op.Step, op.Epoch, op.Micros, op.Bits);
                break;
            default:
                batch.TrackObject(sequence.BatchIndex, op.Step, op.Epoch, op.Micros, (byte[])op.Payload!);
                break;
        }
    }

    private void Seal(BatchWriter batch, ref long generation, ref int points)
    {
        ulong number;
        lock (_state)
        {
            number = ++_sealed;
        }

        var sealedBatch = new SealedBatch(number, batch.Finish(number), points);
        generation++;
        points = 0;
        Place(sealedBatch);
    }
}
