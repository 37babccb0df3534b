using System.Buffers;
using System.IO.Hashing;
using AimLsm.Encoding;
using AimLsm.Kv.Common;
using AimLsm.Tree;
using AimLsm.Tree.Sequences;
using AimLsm.Tree.Storage;

namespace AimLsm.Remote;

/// <summary>
/// Decides what a sync sends and builds it, one batch at a time (docs/aim-repo.md, "Offline runs"). At construction
/// it compares every local run's metadata with the <see cref="SyncState"/> (no point is read): a run whose props and
/// tree fingerprint and whose every sequence's count and last step are what the server acknowledged is unchanged.
/// A changed sequence is sent from the step after the last one sent when the points above it are exactly the new
/// ones (count sent + count above = count), else whole (late steps arrived below it: a replay overwrites the same
/// steps). Points are read chunk by chunk straight from the sequence's chunks, so values keep their exact bytes, and
/// a field stored apart is read from its blob key and sent inline, where the server's writer stores it apart again.
/// <para>Invariants: every batch concerns one run and starts with that run's <c>CreateRun</c> (the same hash and
/// creation time reopen it), so a batch the server refuses names its run; a run's last batch ends with its
/// <c>CloseRun</c> when the run is finished locally and carries <see cref="SyncBatch.Completes"/>. Not thread-safe.</para>
/// </summary>
internal sealed class SyncPlanner
{
    /// <summary>Room kept in a frame beyond the last point for the header, the trailer and the run's first operations.</summary>
    private const int FrameSlack = 1024;

    private readonly int _batchBytes;
    private readonly List<RunPlan> _plans = [];
    private readonly BatchWriter _writer = new();
    private readonly ArrayBufferWriter<byte> _records = new();
    private int _current;

    /// <summary>Plans a sync of <paramref name="repo"/> against <paramref name="state"/>, leaving out the runs in <paramref name="skip"/>.</summary>
    public SyncPlanner(Repo repo, SyncState state, IReadOnlySet<string> skip, int batchBytes)
    {
        _batchBytes = batchBytes;
        foreach (Run run in repo.Runs)
        {
            if (skip.Contains(run.Hash))
            {
                continue;
            }

            RunPlan? plan = Plan(run, state.Runs.GetValueOrDefault(run.Hash));
            if (plan is null)
            {
                Unchanged++;
            }
            else
            {
                _plans.Add(plan);
            }
        }
    }

    /// <summary>Runs the server has as they are.</summary>
    public int Unchanged { get; }

    /// <summary>Runs to send.</summary>
    public int Total => _plans.Count;

    /// <summary>Runs refused here: a point larger than the server's frame limit.</summary>
    public List<SyncRunError> Errors { get; } = [];

    /// <summary>The next batch, numbered <paramref name="number"/>, at most <paramref name="maxFrameBytes"/> long; null when all is sent.</summary>
    public SyncBatch? Next(ulong number, int maxFrameBytes)
    {
        int budget = Math.Min(_batchBytes, maxFrameBytes - FrameSlack);
        while (_current < _plans.Count)
        {
            RunPlan plan = _plans[_current];
            try
            {
                if (Fill(plan, budget, maxFrameBytes - FrameSlack, out SyncBatch batch))
                {
                    _current++;
                }

                batch.Frame = _writer.Finish(number);
                batch.Number = number;
                return batch;
            }
            catch (SyncPointTooLargeException e)
            {
                _writer.Reset();
                Errors.Add(new SyncRunError(plan.Hash, TrackingErrorCode.FrameTooLarge, e.Message));
                _current++;
            }
        }

        return null;
    }

    /// <summary>What must be sent of <paramref name="run"/>, or null when the server has it as it is.</summary>
    private static RunPlan? Plan(Run run, SyncState.RunState? sent)
    {
        RunProps props;
        ulong meta;
        byte[] attrs;
        using (ReadScope scope = run.Scope())
        {
            props = RunProps.Load(scope, run.Hash);
            var hash = new XxHash64();
            ReadSubtree(scope, RepoKeys.Props(run.Hash), hash, null);
            var records = new ArrayBufferWriter<byte>();
            int count = ReadSubtree(scope, RepoKeys.Attrs(run.Hash), hash, records);
            meta = hash.GetCurrentHashAsUInt64();
            attrs = Counted(count, records.WrittenSpan);
        }

        var sequences = new List<SequencePlan>();
        foreach (SequenceInfo info in run.Sequences)
        {
            if (info.Count == 0)
            {
                continue;
            }

            string key = SyncState.SequenceKey(info.Context.Id, info.Name);
            if (sent?.Sequences.GetValueOrDefault(key) is { } had && had.Count == info.Count && had.LastStep == info.LastStep)
            {
                continue;
            }

            Sequence sequence = run.GetSequence(info.Name, info.Context);
            long from = long.MinValue, count = 0;
            if (sent?.Sequences.GetValueOrDefault(key) is { } before && before.LastStep < long.MaxValue
                && before.Count + sequence.CountRange(before.LastStep + 1, long.MaxValue) == sequence.CountRange(long.MinValue, long.MaxValue))
            {
                // Only steps above the last one sent are new: send those. Otherwise late steps arrived below it.
                from = before.LastStep + 1;
                count = before.Count;
            }

            sequences.Add(new SequencePlan(key, info.Name, info.Context, from, count));
        }

        bool metaChanged = sent?.Meta != meta;
        if (!metaChanged && sequences.Count == 0)
        {
            return null;
        }

        return new RunPlan(run, props, meta, metaChanged ? attrs : null, sent?.Tags, sequences);
    }

    /// <summary>
    /// Appends as much of <paramref name="plan"/> as fits into one batch; true when that finished the run.
    /// </summary>
    private bool Fill(RunPlan plan, int budget, int pointLimit, out SyncBatch batch)
    {
        batch = new SyncBatch(plan.Hash);
        RunProps props = plan.Props;
        _writer.CreateRun(plan.Hash, props.CreatedAt, props.Experiment ?? Run.DefaultExperiment, props.Name, props.Description, props.Tags);
        if (!plan.MetaSent && plan.Attrs is { } attrs)
        {
            _writer.SetProp(plan.Hash, RunProp.Name, props.Name);
            _writer.SetProp(plan.Hash, RunProp.Experiment, props.Experiment ?? Run.DefaultExperiment);
            _writer.SetProp(plan.Hash, RunProp.Description, props.Description);
            _writer.SetArchived(plan.Hash, props.Archived);
            foreach (string gone in plan.TagsSent?.Except(props.Tags, StringComparer.Ordinal) ?? [])
            {
                _writer.RemoveTag(plan.Hash, gone);
            }

            foreach (string tag in props.Tags)
            {
                _writer.AddTag(plan.Hash, tag);
            }

            if (attrs.Length > 1)
            {
                _writer.SetAttrRecords(plan.Hash, [], attrs);
            }

            plan.MetaSent = true;
            batch.Tags = [.. props.Tags];
        }

        while (plan.NextSequence < plan.Sequences.Count)
        {
            SequencePlan sequence = plan.Sequences[plan.NextSequence];
            bool done = AppendPoints(plan, sequence, budget, pointLimit, batch);
            batch.Progress.Add((sequence.Key, new SyncState.SequenceState(sequence.Count, sequence.LastStep)));
            if (!done)
            {
                return false;
            }

            plan.NextSequence++;
        }

        if (props.EndTime is { } end)
        {
            _writer.CloseRun(plan.Hash, end);
        }

        batch.Completes = true;
        batch.Meta = plan.Meta;
        return true;
    }

    /// <summary>Appends the sequence's points from where it stands until the batch is full; true when it has none left.</summary>
    private bool AppendPoints(RunPlan plan, SequencePlan sequence, int budget, int pointLimit, SyncBatch batch)
    {
        if (sequence.Done)
        {
            return true;
        }

        Run run = plan.Run;
        byte[] chunks = RepoKeys.Sequence(run.Hash, sequence.Context.Id, sequence.Name);
        byte[] blobs = RepoKeys.SequenceBlobs(run.Hash, sequence.Context.Id, sequence.Name);
        int index = _writer.Sequence(run.Hash, sequence.Name, BatchWriter.EncodeRecords(sequence.Context.Count == 0 ? null : new Dictionary<string, object?>(sequence.Context)));
        int appended = 0;
        using ReadScope scope = run.Scope();
        using var cursor = new ChunkCursor(scope.Iterator, chunks);
        for (cursor.Start(sequence.From, long.MaxValue); cursor.Valid; cursor.Next())
        {
            var view = new ChunkView(cursor.Value);
            (int start, int end) = SequenceReader.Window(view, cursor.MinStep, sequence.From, long.MaxValue);
            for (int i = start; i < end; i++)
            {
                if (appended > 0 && _writer.Bytes >= budget)
                {
                    return false;
                }

                long step = view.Steps[i];
                long epoch = view.Epoch(i);
                long micros = view.TimesMicros[i];
                switch (view.ValueKind)
                {
                    case ChunkFormat.FloatValues:
                        _writer.TrackFloat(index, step, epoch, micros, view.Number(i));
                        break;
                    case ChunkFormat.IntValues:
                        _writer.TrackInt(index, step, epoch, micros, view.Int(i));
                        break;
                    default:
                        _records.ResetWrittenCount();
                        batch.Blobs += InlineBlobs(view.Encoded(i), scope, blobs, step, _records);
                        if (_writer.Bytes + _records.WrittenCount > pointLimit)
                        {
                            if (appended > 0)
                            {
                                return false; // in a batch of its own
                            }

                            throw new SyncPointTooLargeException(
                                $"Run '{run.Hash}': the point at step {step} of '{sequence.Name}' {sequence.Context} is {_records.WrittenCount} bytes with its blobs; the server accepts frames of at most {pointLimit + FrameSlack} bytes (TrackingServerOptions.MaxFrameBytes).");
                        }

                        _writer.TrackObject(index, step, epoch, micros, _records.WrittenSpan);
                        break;
                }

                appended++;
                batch.Points++;
                sequence.Count++;
                sequence.LastStep = step;
                if (step == long.MaxValue)
                {
                    sequence.Done = true;
                    return true;
                }

                sequence.From = step + 1;
            }
        }

        sequence.Done = true;
        return true;
    }

    /// <summary>
    /// A chunk's record list (docs/format.md 13.4) as the records of a TrackObject (15.2): a count first, and every
    /// blob sentinel (a value of length 0) replaced by the field's encoded value, read from the sequence's blobs
    /// (<paramref name="sequenceBlobs"/>) at <paramref name="step"/> + its path. Returns the number of blobs inlined.
    /// </summary>
    private static int InlineBlobs(ReadOnlySpan<byte> records, ReadScope scope, byte[] sequenceBlobs, long step, ArrayBufferWriter<byte> output)
    {
        int count = 0;
        for (int pos = 0; pos < records.Length; count++)
        {
            Next(records, ref pos);
            Next(records, ref pos);
        }

        WriteLeb128(output, (ulong)count);
        int blobs = 0;
        for (int pos = 0; pos < records.Length;)
        {
            ReadOnlySpan<byte> path = Next(records, ref pos);
            ReadOnlySpan<byte> value = Next(records, ref pos);
            WriteField(output, path);
            if (value.IsEmpty)
            {
                byte[] key = RepoKeys.Concat(RepoKeys.WithInt(sequenceBlobs, step), path);
                value = scope.Get(key)
                    ?? throw new AimFormatException($"The blob at {PathSegment.Format(TreePath.Decode(key))} is missing: its record says it is stored apart.");
                blobs++;
            }

            WriteField(output, value);
        }

        return blobs;
    }

    private static ReadOnlySpan<byte> Next(ReadOnlySpan<byte> records, ref int pos)
    {
        int n = Varint.TryRead32(records[pos..], out uint length);
        if (n <= 0 || records.Length - pos - n < length)
        {
            throw new AimFormatException("sequence value", pos, "a truncated record");
        }

        ReadOnlySpan<byte> field = records.Slice(pos + n, (int)length);
        pos += n + (int)length;
        return field;
    }

    /// <summary>Reads a subtree's keys and values into <paramref name="hash"/> and, when given, into
    /// <paramref name="records"/> as records relative to it; returns the number of keys.</summary>
    private static int ReadSubtree(ReadScope scope, byte[] prefix, XxHash64 hash, ArrayBufferWriter<byte>? records)
    {
        int count = 0;
        Span<byte> length = stackalloc byte[8];
        for (bool ok = scope.SeekSubtree(prefix); ok; ok = scope.NextInSubtree(prefix))
        {
            ReadOnlySpan<byte> key = scope.Iterator.Key;
            ReadOnlySpan<byte> value = scope.Iterator.Value;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, key.Length);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length[4..], value.Length);
            hash.Append(length);
            hash.Append(key);
            hash.Append(value);
            if (records is not null)
            {
                WriteField(records, key[prefix.Length..]);
                WriteField(records, value);
            }

            count++;
        }

        return count;
    }

    private static byte[] Counted(int count, ReadOnlySpan<byte> records)
    {
        var output = new ArrayBufferWriter<byte>(records.Length + 10);
        WriteLeb128(output, (ulong)count);
        output.Write(records);
        return output.WrittenSpan.ToArray();
    }

    private static void WriteField(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> field)
    {
        WriteLeb128(output, (ulong)field.Length);
        output.Write(field);
    }

    private static void WriteLeb128(ArrayBufferWriter<byte> output, ulong value)
    {
        output.Advance(BatchWriter.Leb128(output.GetSpan(10), value));
    }

    /// <summary>One run's part of the sync and how far the batches built so far got.</summary>
    private sealed class RunPlan(Run run, RunProps props, ulong meta, byte[]? attrs, List<string>? tagsSent, List<SequencePlan> sequences)
    {
        public Run Run { get; } = run;

        public string Hash => Run.Hash;

        public RunProps Props { get; } = props;

        public ulong Meta { get; } = meta;

        /// <summary>The tree's records when the props and tree are to be sent (they changed), else null.</summary>
        public byte[]? Attrs { get; } = attrs;

        public List<string>? TagsSent { get; } = tagsSent;

        public List<SequencePlan> Sequences { get; } = sequences;

        public bool MetaSent { get; set; }

        public int NextSequence { get; set; }
    }

    /// <summary>A sequence to send from <see cref="From"/>, the server having <see cref="Count"/> points below it.</summary>
    private sealed class SequencePlan(string key, string name, Context context, long from, long count)
    {
        public string Key { get; } = key;

        public string Name { get; } = name;

        public Context Context { get; } = context;

        public long From { get; set; } = from;

        public long Count { get; set; } = count;

        public long LastStep { get; set; } = from == long.MinValue ? long.MinValue : from - 1;

        public bool Done { get; set; }
    }

    private sealed class SyncPointTooLargeException(string message) : Exception(message);
}

/// <summary>One batch of a sync, with what the server has once it acknowledges it.</summary>
internal sealed class SyncBatch(string hash)
{
    /// <summary>The run the batch concerns (each batch concerns one).</summary>
    public string Hash { get; } = hash;

    public ulong Number { get; set; }

    public byte[] Frame { get; set; } = [];

    public long Points { get; set; }

    public long Blobs { get; set; }

    /// <summary>Per sequence, what the server has of it after this batch.</summary>
    public List<(string Key, SyncState.SequenceState State)> Progress { get; } = [];

    /// <summary>The tags this batch sent (props and tree sent), or null.</summary>
    public List<string>? Tags { get; set; }

    /// <summary>Whether this is the run's last batch: the server then has the run as the local repo had it.</summary>
    public bool Completes { get; set; }

    /// <summary>The run's props and tree fingerprint, recorded when <see cref="Completes"/>.</summary>
    public ulong Meta { get; set; }
}
