using AimLsm.Kv;
using System.Diagnostics;
using AimLsm.Kv.Common;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Memtable;
using AimLsm.Kv.Versions;
using AimLsm.Kv.Wal;

namespace AimLsm.Kv;

public sealed partial class Db
{
    /// <summary>The most bytes of batches a leader commits in one group: big enough to amortize an fsync, small enough to bound latency.</summary>
    private const int MaxGroupBytes = 1 << 20;

    /// <summary>Groups of other writers a thread inserts after its own was answered, before it hands the insert queue on.</summary>
    private const int MaxGroupsInsertedForOthers = 8;

    /// <summary>Rounds of <see cref="SpinWait.SpinOnce(int)"/> before a waiting writer sleeps: ten short spins, then yields.</summary>
    private const int WakeSpins = 100;

    [ThreadStatic]
    private static WriteBatch? t_singleBatch;

    [ThreadStatic]
    private static PendingWrite? t_pending;

    /// <summary>Writers waiting to commit, in arrival order; the first is the leader. Guarded by <see cref="_writersLock"/>.</summary>
    private readonly Queue<PendingWrite> _writers = new();

    /// <summary>
    /// Guards <see cref="_writers"/>. A <see cref="Lock"/>, not a monitor: nothing waits on it (each writer waits on its
    /// own <see cref="PendingWrite.Wake"/>), and a monitor that has been waited on stays inflated, which made every
    /// uncontended enter a slow-path call (a third of a single writer's time in the fillrandom profile).
    /// </summary>
    private readonly Lock _writersLock = new();

    /// <summary>
    /// A value this large is not copied into a write batch by <see cref="Put(ReadOnlySpan{byte}, ReadOnlySpan{byte}, WriteOptions?)"/>: the WAL record is written from the
    /// batch's head and the caller's value, and the memtable copies the value once. 1 MiB: below it the copy is cheap,
    /// above it a whole copy of the value per layer is what makes memory a multiple of the data.
    /// </summary>
    public const int LargeValueBytes = 1 << 20;

    /// <summary>One thread's write waiting in <see cref="_writers"/>. Reused per thread: a thread has at most one.</summary>
    // Lives as long as its thread (thread-static) and is never disposed: the event's kernel handle, if it ever
    // blocked, is released by its SafeHandle's finalizer when the thread is gone.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "thread-static, lives as long as its thread")]
    private sealed unsafe class PendingWrite
    {
        public WriteBatch Batch = null!;

        /// <summary>The value tail of a <see cref="WriteBatch.PutHead"/> batch, pinned by the writing thread for
        /// the length of the write, or null.</summary>
        public byte* Tail;
        public int TailLength;

        public ReadOnlySpan<byte> TailSpan => new(Tail, TailLength);
        public bool Sync;
        public bool DisableWal;
        public bool Done;
        public Exception? Error;

        /// <summary>
        /// Set when this write is done or has become the head of the queue (and so leads the next group). Only the
        /// writers concerned are woken, not every waiting thread: on 2 cores a wake-all put 7 threads through the
        /// scheduler per group, each to find it was not its turn. It spins briefly first, because a group commit
        /// without fsync lasts microseconds.
        /// </summary>
        public readonly ManualResetEventSlim Wake = new(false, spinCount: 20);

        /// <summary>The group this write leads, while it leads one: a list per writer, since the next leader gathers
        /// its group while this one's is still in the memtable stage.</summary>
        public readonly List<PendingWrite> Group = [];

        /// <summary>While the group waits in <see cref="_inserts"/>: its memtable and sequence numbers.</summary>
        public MemTable? Mem;
        public ulong First;
        public ulong Last;

        /// <summary>The database and number of the last synced group this thread's write was in (see <see cref="GatherSyncWriters"/>).</summary>
        public Db? LastSyncDb;
        public long LastSyncGroup;
    }

    /// <summary>The last sequence number given to a group by the WAL stage. Guarded by <see cref="_writeLock"/>.</summary>
    private ulong _allocatedSequence;

    /// <summary>The last sequence number whose group has left the memtable stage (inserted, or failed): the next
    /// group's turn to insert. Written with a release store by the thread that inserted it.</summary>
    private ulong _insertedSequence;

    /// <summary>Groups past the WAL stage waiting for the memtable, in sequence order (each by its leader). Guarded by <see cref="_insertsLock"/>.</summary>
    private readonly Queue<PendingWrite> _inserts = new();

    /// <summary>Whether a thread is inserting the groups of <see cref="_inserts"/>. Guarded by <see cref="_insertsLock"/>.</summary>
    private bool _inserting;

    /// <summary>Guards <see cref="_inserts"/> and <see cref="_inserting"/>; taken inside <see cref="_writeLock"/> or alone.</summary>
    private readonly Lock _insertsLock = new();

    /// <summary>Set when a group's memtable insert failed part-way; every later group fails with it.</summary>
    private Exception? _insertError;

    /// <summary>Synced groups committed so far; the number of the last one. Guarded by <see cref="_writersLock"/>.</summary>
    private long _syncGroups;

    /// <summary>Writers in the last synced group. Guarded by <see cref="_writersLock"/>.</summary>
    private int _lastSyncGroupSize;

    /// <summary>Writers of the last synced group queued again since it committed; read without the lock by the leader.</summary>
    private int _syncWritersBack;

    /// <summary>How long the last fsync of a synced group took, in Stopwatch ticks: the most a leader waits for writers.</summary>
    private long _lastSyncTicks;

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>. A value of a MiB or more is never copied
    /// into a batch: it goes from <paramref name="value"/> to the WAL and into the memtable directly.</summary>
    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, WriteOptions? options = null)
    {
        if (value.Length >= LargeValueBytes)
        {
            Put(key, default, value, options);
            return;
        }
        WriteBatch b = RentBatch();
        b.Put(key, value);
        Write(b, options);
    }

    /// <summary>
    /// Sets <paramref name="key"/> to <paramref name="valueHead"/> followed by <paramref name="valueTail"/>, the tail
    /// never copied into a batch: RocksDB's <c>Put(SliceParts)</c>, for a small header before a large payload (an encoded
    /// value's type byte and its payload, straight from the caller's array).
    /// </summary>
    public unsafe void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> valueHead, ReadOnlySpan<byte> valueTail, WriteOptions? options = null)
    {
        var b = new WriteBatch();
        b.PutHead(key, valueHead, valueTail.Length);
        fixed (byte* tail = valueTail)
        {
            Write(b, options, tail, valueTail.Length);
        }
    }

    /// <summary>Removes <paramref name="key"/>. Deleting an absent key is not an error.</summary>
    public void Delete(ReadOnlySpan<byte> key, WriteOptions? options = null)
    {
        WriteBatch b = RentBatch();
        b.Delete(key);
        Write(b, options);
    }

    /// <summary>Removes every key in [<paramref name="begin"/>, <paramref name="end"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="begin"/> sorts after <paramref name="end"/>.</exception>
    public void DeleteRange(ReadOnlySpan<byte> begin, ReadOnlySpan<byte> end, WriteOptions? options = null)
    {
        WriteBatch b = RentBatch();
        b.DeleteRange(begin, end);
        Write(b, options);
    }

    private static WriteBatch RentBatch()
    {
        WriteBatch b = t_singleBatch ??= new WriteBatch();
        b.Clear();
        // Values of LargeValueBytes and more never come here, so the buffer stays below about 2 MiB (a large key and
        // a value just under the threshold); one grown past that by a large key is not kept.
        b.TrimExcess(2 * LargeValueBytes);
        return b;
    }

    /// <summary>
    /// Applies every update in <paramref name="batch"/> atomically, with consecutive sequence numbers.
    /// With <see cref="WriteOptions.Sync"/> the WAL is on stable storage before this returns.
    /// Concurrent writers are committed in groups: one thread (the leader) writes the WAL records of every batch
    /// waiting behind it and issues a single fsync for all of them.
    /// </summary>
    /// <exception cref="BackgroundErrorException">An earlier failure made the database refuse writes.</exception>
    /// <exception cref="IOException">Writing the WAL failed; the database now refuses writes.</exception>
    public unsafe void Write(WriteBatch batch, WriteOptions? options = null) => Write(batch, options, null, 0);

    private unsafe void Write(WriteBatch batch, WriteOptions? options, byte* tail, int tailLength)
    {
        ArgumentNullException.ThrowIfNull(batch);
        options ??= WriteOptions.Default;
        if (options.Sync && options.DisableWal)
        {
            ThrowHelper.ThrowArgument("WriteOptions.Sync needs the WAL; it cannot be combined with DisableWal.", nameof(options));
        }
        ThrowIfDisposed();
        ThrowIfReadOnly(nameof(Write));
        PendingWrite me = t_pending ??= new PendingWrite();
        me.Batch = batch;
        me.Sync = options.Sync;
        me.DisableWal = options.DisableWal;
        me.Done = false;
        me.Error = null;
        me.Tail = tail;
        me.TailLength = tailLength;
        me.Wake.Reset();
        bool leads;
        lock (_writersLock)
        {
            _writers.Enqueue(me);
            leads = _writers.Count == 1;
            if (me.Sync && me.LastSyncDb == this && me.LastSyncGroup == _syncGroups)
            {
                _syncWritersBack++;
            }
        }
        if (!leads)
        {
            // Woken when a leader has committed this write (Done) or has left it at the head of the queue.
            WaitForWake(me);
        }
        if (!me.Done)
        {
            LeadGroup(me);
        }
        me.Batch = null!;
        me.Tail = null;
        me.TailLength = 0;
        if (me.Error is not null)
        {
            Exception e = me.Error;
            me.Error = null;
            if (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException(e.Message, e);
            }
            throw e is BackgroundErrorException or ObjectDisposedException ? e : new BackgroundErrorException(e);
        }
    }

    /// <summary>
    /// Commits the leader's batch and those queued behind it that can share its WAL write, in two stages, RocksDB's
    /// pipelined write: the WAL stage (sequence numbers, the WAL records, the fsync) under <see cref="_writeLock"/>,
    /// then the memtable stage outside it. The queue lets the next writer lead its own WAL stage as soon as this one's
    /// WAL write is done, so with two writers one's <c>pwrite</c> overlaps the other's skiplist inserts, and a writer
    /// that arrives while the other inserts leads at once instead of sleeping until it is handed the queue (the
    /// hand-off that made two writers slower than one: each write waited for the other thread to be scheduled).
    /// </summary>
    private void LeadGroup(PendingWrite leader)
    {
        List<PendingWrite> group = leader.Group;
        group.Clear();
        Exception? error = null;
        MemTable? mem = null;
        ulong first = 0, last = 0;
        bool inserts = false;
        lock (_writeLock)
        {
            try
            {
                ThrowIfDisposed();
                ThrowIfBackgroundError();
                MakeRoomForWrite();
                if (leader.Sync)
                {
                    GatherSyncWriters();
                }
                lock (_writersLock)
                {
                    // Followers join when they match the leader's WAL mode; a sync follower may ride along with a
                    // non-sync leader only if the leader then syncs, so the group's sync is the OR of its members.
                    int bytes = 0;
                    foreach (PendingWrite w in _writers)
                    {
                        if (w.DisableWal != leader.DisableWal || (group.Count > 0 && bytes + w.Batch.DataSize + w.TailLength > MaxGroupBytes))
                        {
                            break;
                        }
                        group.Add(w);
                        bytes += w.Batch.DataSize + w.TailLength;
                    }
                }
                mem = WriteGroupToWal(group, out first, out last);
            }
            catch (Exception e)
            {
                error = e;
            }
            if (group.Count == 0)
            {
                // Failed before gathering: the leader's write alone is answered.
                group.Add(leader);
            }
            // Out of the writer queue before the group can be answered: a writer answered may queue again at once.
            LeaveQueue(leader, group, error);
            if (mem is not null)
            {
                // Into the insert queue under the write lock, so groups queue there in the order of their sequence
                // numbers. Whoever inserts this group sets the leader's Wake, so it is cleared first.
                leader.Wake.Reset();
                leader.Mem = mem;
                leader.First = first;
                leader.Last = last;
                lock (_insertsLock)
                {
                    _inserts.Enqueue(leader);
                    inserts = !_inserting;
                    _inserting = true;
                }
            }
        }
        if (mem is null)
        {
            // Failed, or only empty batches: nothing goes into the memtable, so nothing waits for an earlier group.
            for (int i = group.Count - 1; i >= 0; i--)
            {
                Answer(group[i], error);
            }
            return;
        }
        if (inserts)
        {
            InsertQueuedGroups(leader);
        }
        // Answered by whichever thread inserted the group: this one just now, or the one inserting when it queued.
        WaitForWake(leader);
        while (!leader.Done)
        {
            // Woken unanswered: the thread inserting handed this one the insert queue, this group first in it.
            leader.Wake.Reset();
            InsertQueuedGroups(leader);
            WaitForWake(leader);
        }
    }

    /// <summary>
    /// Waits for <paramref name="w"/>'s Wake, spinning and yielding for up to about a hundred microseconds before it
    /// sleeps. The event's own spin (20 rounds; it allows no more before <c>Sleep(1)</c>) is shorter than a group's
    /// insert on a loaded machine: a writer that slept cost the thread answering it a futex wake and itself the
    /// scheduler's latency before its next write (0.01-0.04 sleeps a write with two writers; 0-0.001 after).
    /// </summary>
    private static void WaitForWake(PendingWrite w)
    {
        // A synced write waits for an fsync (0.1-10 ms here): eight of them yielding meanwhile would take the core
        // from the leader, so they sleep after the event's own short spin.
        if (!w.Sync && !w.Wake.IsSet)
        {
            var spin = new SpinWait();
            while (!w.Wake.IsSet && spin.Count < WakeSpins)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
        w.Wake.Wait();
    }

    /// <summary>
    /// The memtable stage, one thread at a time: inserts the queued groups in order until none is left. The thread
    /// that finds nobody inserting does it, for its own group and any queued meanwhile; a writer whose group is
    /// queued behind a running insert waits for it to be answered rather than for its turn. So the work is always
    /// done by a thread that is on a core: when two threads took turns instead, one spun or yielded waiting for a
    /// predecessor that the scheduler had taken off its core (a third of two writers' samples in <c>sched_yield</c>
    /// and spinning on a loaded 2-vCPU machine, and throughput below one writer's).
    /// </summary>
    private void InsertQueuedGroups(PendingWrite self)
    {
        int others = 0;
        while (true)
        {
            PendingWrite? job;
            lock (_insertsLock)
            {
                if (!_inserts.TryPeek(out job))
                {
                    _inserting = false;
                    return;
                }
                if (self.Done && ++others > MaxGroupsInsertedForOthers)
                {
                    // This thread's own write is long answered: the queue's next leader, woken unanswered, inserts
                    // the rest, so that one thread among many writers is not kept inserting theirs indefinitely.
                    // _inserting stays set: nobody else starts meanwhile.
                    job.Wake.Set();
                    return;
                }
                _inserts.Dequeue();
            }
            List<PendingWrite> group = job.Group;
            Exception? error = InsertGroup(job.Mem!, group, job.First, job.Last);
            job.Mem = null;
            // The group's leader (its first writer) last: once answered, its thread may reuse the list.
            for (int i = group.Count - 1; i >= 0; i--)
            {
                Answer(group[i], error);
            }
        }
    }

    private static void Answer(PendingWrite w, Exception? error)
    {
        w.Error = error;
        w.Done = true;
        // Set publishes Done and Error; nothing touches w after it, since its thread may write again at once.
        w.Wake.Set();
    }

    /// <summary>
    /// After the WAL stage: takes the group out of the queue and wakes the new head, which leads the next WAL stage
    /// while this group goes into the memtable. The group's writers stay asleep until the group is inserted and
    /// answered. REQUIRES: <see cref="_writeLock"/>.
    /// </summary>
    private void LeaveQueue(PendingWrite leader, List<PendingWrite> group, Exception? error)
    {
        lock (_writersLock)
        {
            bool synced = leader.Sync && error is null;
            if (synced)
            {
                _syncGroups++;
                _lastSyncGroupSize = 0;
                _syncWritersBack = 0;
            }
            for (int i = 0; i < group.Count; i++)
            {
                PendingWrite w = _writers.Dequeue();
                Debug.Assert(w == group[i], "a group is the head of the queue, in order");
                if (synced && w.Sync)
                {
                    // Only synced writes count: a writer that does not sync is not waited for.
                    w.LastSyncDb = this;
                    w.LastSyncGroup = _syncGroups;
                    _lastSyncGroupSize++;
                }
            }
            if (_writers.Count > 0)
            {
                _writers.Peek().Wake.Set();
            }
        }
    }

    /// <summary>
    /// Before a synced group: waits, for at most the last fsync's duration, until every writer of the previous synced
    /// group is queued again, so that one fsync serves them all. Without it, N threads that each sync fall into two
    /// alternating groups: the writers of one group wake after its fsync to find the next group already collected
    /// from those who queued meanwhile, so each write waits for two fsyncs and N threads reach at best N/2 writes per
    /// fsync (3.0x one thread with 8 measured). PostgreSQL's commit_delay is the same idea, but it waits only while
    /// other writers are known to be coming: a lone writer is always in the previous group and is queued, so it never
    /// waits, and a writer that stops costs one bounded wait, after which it is no longer in the previous group.
    /// REQUIRES: <see cref="_writeLock"/> (followers only need the queue's lock to join, so they are not held up).
    /// </summary>
    private void GatherSyncWriters()
    {
        int target;
        lock (_writersLock)
        {
            target = _lastSyncGroupSize;
        }
        if (target <= 1 || Volatile.Read(ref _syncWritersBack) >= target)
        {
            return;
        }
        long start = Stopwatch.GetTimestamp();
        long limit = Math.Min(Volatile.Read(ref _lastSyncTicks), Stopwatch.Frequency / 100);
        while (Volatile.Read(ref _syncWritersBack) < target && Stopwatch.GetTimestamp() - start < limit)
        {
            // Yield, not spin: on 2 cores the writers being waited for need this core to get back into the queue.
            Thread.Yield();
        }
    }

    /// <summary>
    /// The WAL stage: gives the group its sequence numbers, writes and syncs the WAL once. Returns the memtable the
    /// group goes into, with its sequence numbers in [<paramref name="first"/>, <paramref name="last"/>], or null when
    /// the group holds no update. REQUIRES: <see cref="_writeLock"/>.
    /// </summary>
    private MemTable? WriteGroupToWal(List<PendingWrite> group, out ulong first, out ulong last)
    {
        ulong next = _allocatedSequence + 1;
        first = next;
        last = 0;
        bool sync = false, wal = !group[0].DisableWal;
        ulong total = 0;
        foreach (PendingWrite w in group)
        {
            total += (ulong)w.Batch.Count;
        }
        if (_allocatedSequence + total > InternalKey.MaxSequence)
        {
            throw new DbException($"The database has used its 2^56 sequence numbers; writes are no longer possible.");
        }
        long walBytes = 0;
        foreach (PendingWrite w in group)
        {
            w.Batch.Sequence = next;
            next += (ulong)w.Batch.Count;
            sync |= w.Sync;
        }
        if (next == first)
        {
            // Only empty batches: RocksDB still syncs the WAL when asked.
            if (sync)
            {
                SyncWalLocked();
            }
            return null;
        }
        MemTable mem = _super.Mem;
        if (wal)
        {
            try
            {
                foreach (PendingWrite w in group)
                {
                    if (w.Batch.Count > 0)
                    {
                        _wal!.AddRecord(w.Batch.Data, w.TailSpan);
                        walBytes += w.Batch.DataSize + w.TailLength;
                    }
                }
                if (sync)
                {
                    long syncStart = Stopwatch.GetTimestamp();
                    _wal!.SyncAndMark();
                    Volatile.Write(ref _lastSyncTicks, Stopwatch.GetTimestamp() - syncStart);
                }
                else
                {
                    _wal!.Flush();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                SetBackgroundError(e);
                throw;
            }
            Stats.AddWalBytes(walBytes);
        }
        else
        {
            mem.HasUnloggedWrites = true;
        }
        last = next - 1;
        // The WAL holds the group (or it has none): from here its sequence numbers are taken, whatever the memtable
        // stage does.
        _allocatedSequence = last;
        return mem;
    }

    /// <summary>
    /// Inserts one group and publishes its last sequence number. Groups come in sequence order from
    /// <see cref="InsertQueuedGroups"/>, one thread at a time, so the skiplist keeps one writer (the insert queue's lock
    /// passes it from one thread to the next) and a snapshot never sees a group without every group before it.
    /// Returns the error that fails the group, or null.
    /// </summary>
    private Exception? InsertGroup(MemTable mem, List<PendingWrite> group, ulong first, ulong last)
    {
        Debug.Assert(Volatile.Read(ref _insertedSequence) == first - 1, "groups are inserted in sequence order");
        Exception? error = Volatile.Read(ref _insertError);
        if (error is null)
        {
            try
            {
                foreach (PendingWrite w in group)
                {
                    ulong seq = w.Batch.Sequence;
                    if (w.TailLength > 0)
                    {
                        // A PutHead batch: one put whose value ends in the writer's buffer (replay reads it whole from the WAL).
                        w.Batch.ReadHead(out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> head);
                        mem.AddPut(seq, key, head, w.TailSpan);
                    }
                    else
                    {
                        var reader = new BatchReader(w.Batch.Data);
                        while (reader.Next(out EntryType type, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value))
                        {
                            mem.Add(seq++, type, key, value);
                        }
                    }
                    Stats.AddIngested(w.Batch.DataSize + w.TailLength - WriteBatch.HeaderSize);
                }
                Invariant.Holds(last > Volatile.Read(ref _lastSequence), "sequence numbers only grow");
                Volatile.Write(ref _lastSequence, last);
            }
            catch (Exception e)
            {
                // The WAL holds the group but the memtable may hold part of it: no later group may be published over
                // that (a snapshot would see the part), so every later group fails with this error too. Recovery from
                // the WAL restores a consistent state.
                error = e;
                Volatile.Write(ref _insertError, e);
            }
        }
        // Released even on failure: the next group, and WaitForMemtableInserts, wait for it.
        Volatile.Write(ref _insertedSequence, last);
        if (error is not null)
        {
            SetBackgroundError(error);
        }
        return error;
    }

    /// <summary>
    /// Waits until every group given sequence numbers has left the memtable stage: before the memtable is switched or
    /// flushed, or the database closed. REQUIRES: <see cref="_writeLock"/>, so no group takes sequence numbers
    /// meanwhile and the wait ends; not <see cref="_mutex"/>, which a failing insert takes to record its error.
    /// </summary>
    private void WaitForMemtableInserts()
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref _insertedSequence) != _allocatedSequence)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Makes every WAL record written so far durable, as RocksDB's SyncWAL.</summary>
    public void SyncWal()
    {
        lock (_writeLock)
        {
            ThrowIfDisposed();
            ThrowIfReadOnly(nameof(SyncWal));
            ThrowIfBackgroundError();
            SyncWalLocked();
        }
    }

    private void SyncWalLocked()
    {
        try
        {
            _wal!.SyncAndMark();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            SetBackgroundError(e);
            throw;
        }
    }

    private void ThrowIfBackgroundError()
    {
        Exception? e = Volatile.Read(ref _backgroundError);
        if (e is not null)
        {
            throw new BackgroundErrorException(e);
        }
    }

    private void SetBackgroundError(Exception e)
    {
        lock (_mutex)
        {
            if (_backgroundError is not null)
            {
                return;
            }
            _backgroundError = e;
            Monitor.PulseAll(_mutex);
        }
        _options.Listener?.OnBackgroundError(e);
    }

    /// <summary>
    /// Write flow control, RocksDB's: makes room in the mutable memtable, freezing it when full (waiting first, when
    /// <see cref="DbOptions.MaxWriteBufferNumber"/> memtables exist already, for the oldest frozen one to be flushed), and slows or stops writes while L0 or the compaction debt is past its
    /// thresholds, so memory and read amplification stay bounded when writes outpace compaction.
    /// REQUIRES: <see cref="_writeLock"/>.
    /// </summary>
    private void MakeRoomForWrite()
    {
        bool slowedOnce = false;
        while (true)
        {
            WriteStall stall = CurrentStall();
            if (stall == WriteStall.Slowdown && !slowedOnce)
            {
                // Delay one write by a millisecond rather than stall: spreads the wait over many writes (LevelDB).
                slowedOnce = true;
                long start = Stopwatch.GetTimestamp();
                Thread.Sleep(1);
                Stats.AddStall(Stopwatch.GetElapsedTime(start), stop: false);
                continue;
            }
            bool full = _super.Mem.ApproximateMemoryUsage >= _options.WriteBufferSize;
            if (stall != WriteStall.Stop && !full)
            {
                return;
            }
            // The memtable may be frozen below: the group still inserting into it must be done first.
            WaitForMemtableInserts();
            lock (_mutex)
            {
                ThrowIfBackgroundError();
                ThrowIfDisposed();
                if (CurrentStall() == WriteStall.Stop || (full && _super.Imms.Length >= _options.MaxWriteBufferNumber - 1))
                {
                    long start = Stopwatch.GetTimestamp();
                    MaybeScheduleCompaction();
                    Monitor.Wait(_mutex, 100);
                    Stats.AddStall(Stopwatch.GetElapsedTime(start), stop: true);
                    continue;
                }
                if (full)
                {
                    SwitchMemtable();
                }
            }
        }
    }

    /// <summary>Freezes the memtable and opens a new WAL. REQUIRES: both locks, no group in the memtable stage
    /// (<see cref="WaitForMemtableInserts"/> before taking <see cref="_mutex"/>), fewer than
    /// <see cref="DbOptions.MaxWriteBufferNumber"/> - 1 frozen memtables (a flush waits for them all, a writer for room).</summary>
    private void SwitchMemtable()
    {
        Debug.Assert(_super.Imms.Length < _options.MaxWriteBufferNumber - 1, "at most MaxWriteBufferNumber memtables");
        Debug.Assert(Volatile.Read(ref _insertedSequence) == _allocatedSequence, "no group is still inserting into the memtable frozen here");
        ulong number = _versions.NewFileNumber();
        LogWriter wal;
        try
        {
            // Sync the old WAL before any write goes to the new one: a synced write promises every earlier write is
            // durable too, and recovery replays WALs in order, stopping at the first damage (point-in-time). No sync
            // point follows this sync: one written after it could be torn by a power cut and leave a damaged tail
            // in a WAL that is not the newest, while the newer WAL's existence already says this one is whole.
            _wal?.Sync();
            wal = new LogWriter(CreateWal(number));
            // The new WAL must exist after a power loss, or synced writes to it would vanish with its directory entry.
            _fs.SyncDirectory(_path);
            _wal?.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            SetBackgroundError(e);
            throw;
        }
        _wal = wal;
        _walNumber = number;
        SuperVersion old = _super;
        InstallSuperVersion(NewMemTable(number), [old.Mem, .. old.Imms], old.Version);
        Monitor.PulseAll(_mutex);
    }
}
