using AimLsm.Kv;
using AimLsm.Kv.Compaction;
using AimLsm.Kv.Versions;

namespace AimLsm.Kv;

public sealed partial class Db
{
    /// <summary>True while a compaction runs; one at a time per database (sized for two cores). Guarded by <see cref="_mutex"/>.</summary>
    private int _runningCompactions;

    /// <summary>True while <see cref="CompactRange"/> runs, which keeps background compactions out. Guarded by <see cref="_mutex"/>.</summary>
    private bool _manualCompaction;

    private void StartCompactionThreads()
    {
        _compactionThreads = new Thread[_options.MaxBackgroundCompactions];
        for (int i = 0; i < _compactionThreads.Length; i++)
        {
            _compactionThreads[i] = new Thread(CompactionThreadMain) { IsBackground = true, Name = "aimlsm-compaction-" + i };
            _compactionThreads[i].Start();
        }
    }

    /// <summary>Wakes the compaction threads to look for work. REQUIRES: <see cref="_mutex"/>.</summary>
    private void MaybeScheduleCompaction() => Monitor.PulseAll(_mutex);

    private void CompactionThreadMain()
    {
        while (true)
        {
            CompactionPlan? plan = null;
            lock (_mutex)
            {
                while (!_stopBackground
                    && (_backgroundError is not null || _manualCompaction || _options.DisableAutoCompactions
                        || (plan = _picker.Pick(_versions.Current)) is null))
                {
                    Monitor.Wait(_mutex);
                }
                if (_stopBackground)
                {
                    return;
                }
                plan!.MarkBeingCompacted(true);
                _runningCompactions++;
            }
            try
            {
                RunCompaction(plan);
                // Before the compaction counts as done: whoever waits for it (CompactRange, WaitForCompactions)
                // then finds the inputs' space already given back.
                PurgeObsoleteFiles();
            }
            catch (Exception e)
            {
                SetBackgroundError(e);
            }
            finally
            {
                lock (_mutex)
                {
                    plan.MarkBeingCompacted(false);
                    _runningCompactions--;
                    Monitor.PulseAll(_mutex);
                }
            }
        }
    }

    /// <summary>Runs a plan and installs its result. The inputs are marked as being compacted by the caller.</summary>
    private void RunCompaction(CompactionPlan plan)
    {
        var edit = new VersionEdit();
        foreach ((int level, FileMetadata f) in plan.AllInputs)
        {
            edit.DeletedFiles.Add((level, f.Number));
        }
        if (plan.IsTrivialMove)
        {
            foreach (FileMetadata f in plan.Inputs)
            {
                edit.NewFiles.Add((plan.OutputLevel, f));
            }
            lock (_mutex)
            {
                InstallVersion(edit);
            }
            Stats.AddCompaction(0, 0, trivialMove: true);
            return;
        }
        var job = new CompactionJob(plan, _versions.Current, SnapshotSequences(), _tables, _fs, _path, _tableOptions,
            _options.TargetFileSizeBase, _versions.NewFileNumber);
        CompactionResult result = job.Run();
        if (result.Outputs.Count > 0)
        {
            _fs.SyncDirectory(_path);
        }
        foreach (FileMetadata f in result.Outputs)
        {
            edit.NewFiles.Add((plan.OutputLevel, f));
        }
        lock (_mutex)
        {
            InstallVersion(edit);
        }
        Stats.AddCompaction(result.BytesRead, result.BytesWritten, trivialMove: false);
    }

    /// <summary>Logs an edit to the MANIFEST and publishes the version it makes. REQUIRES: <see cref="_mutex"/>.</summary>
    private void InstallVersion(VersionEdit edit)
    {
        edit.LastSequence = Volatile.Read(ref _lastSequence);
        Kv.Versions.Version v = _versions.LogAndApply(edit);
        InstallSuperVersion(_super.Mem, _super.Imms, v);
        Monitor.PulseAll(_mutex);
    }

    /// <summary>
    /// Compacts every key in [<paramref name="begin"/>, <paramref name="end"/>] (null: unbounded) down to the last
    /// level, as RocksDB's CompactRange: flushes the memtable first, then rewrites level by level, dropping what
    /// no snapshot can see, so deleted data's space comes back. Blocks until done.
    /// </summary>
    public void CompactRange(byte[]? begin = null, byte[]? end = null)
    {
        ThrowIfDisposed();
        ThrowIfReadOnly(nameof(CompactRange));
        Flush();
        lock (_mutex)
        {
            while (_manualCompaction || _runningCompactions > 0)
            {
                ThrowIfBackgroundError();
                Monitor.Wait(_mutex);
            }
            _manualCompaction = true;
        }
        try
        {
            byte[] lo = begin ?? [];
            for (int level = 0; level < LevelSizing.LastLevel; level++)
            {
                CompactionPlan plan;
                lock (_mutex)
                {
                    ThrowIfBackgroundError();
                    Kv.Versions.Version v = _versions.Current;
                    List<FileMetadata> inputs = level == 0
                        ? CompactionPicker.Level0Inputs(v, lo, end)
                        : [.. v.Files(level).Where(f => f.LargestUserKey.SequenceCompareTo(lo) >= 0
                            && (end is null || f.SmallestUserKey.SequenceCompareTo(end) <= 0))];
                    if (inputs.Count == 0)
                    {
                        continue;
                    }
                    int output = level == 0 ? CompactionPicker.Level0OutputLevel(v, LevelSizing.Compute(v, _compactionOptions)) : level + 1;
                    plan = CompactionPicker.Expand(v, level, output, inputs, manual: true)!;
                    plan.MarkBeingCompacted(true);
                }
                try
                {
                    RunManual(plan);
                }
                finally
                {
                    lock (_mutex)
                    {
                        plan.MarkBeingCompacted(false);
                    }
                }
                PurgeObsoleteFiles();
                level = plan.OutputLevel - 1; // go on from where the data went
            }
        }
        finally
        {
            lock (_mutex)
            {
                _manualCompaction = false;
                Monitor.PulseAll(_mutex);
            }
        }
        // A background compaction may have done the work meanwhile and not yet deleted its inputs: the space is
        // promised back when this returns, so purge here too (the purge lock waits for one in progress).
        PurgeObsoleteFiles();
    }

    private void RunManual(CompactionPlan plan)
    {
        try
        {
            // Into the last level a manual compaction always rewrites, so tombstones are dropped even where a move would do.
            if (plan.IsTrivialMove && plan.OutputLevel < LevelSizing.LastLevel)
            {
                RunCompaction(plan);
                return;
            }
            CompactionPlan forced = plan;
            var edit = new VersionEdit();
            foreach ((int level, FileMetadata f) in forced.AllInputs)
            {
                edit.DeletedFiles.Add((level, f.Number));
            }
            var job = new CompactionJob(forced, _versions.Current, SnapshotSequences(), _tables, _fs, _path, _tableOptions,
                _options.TargetFileSizeBase, _versions.NewFileNumber);
            CompactionResult result = job.Run();
            _fs.SyncDirectory(_path);
            foreach (FileMetadata f in result.Outputs)
            {
                edit.NewFiles.Add((forced.OutputLevel, f));
            }
            lock (_mutex)
            {
                InstallVersion(edit);
            }
            Stats.AddCompaction(result.BytesRead, result.BytesWritten, trivialMove: false);
        }
        catch (Exception e) when (e is not DbException and not ObjectDisposedException)
        {
            SetBackgroundError(e);
            throw;
        }
    }

    /// <summary>
    /// Waits until no compaction runs and every level is within its target (RocksDB's WaitForCompact), so a
    /// benchmark or a bulk load can start its next phase on an idle engine. Returns at once after a background error.
    /// </summary>
    public void WaitForCompactions()
    {
        ThrowIfDisposed();
        if (_readOnly)
        {
            return;
        }
        lock (_mutex)
        {
            while (_backgroundError is null && !_stopBackground
                && (_runningCompactions > 0 || _manualCompaction || _super.Imms.Length > 0
                    || (!_options.DisableAutoCompactions && LevelSizing.Compute(_versions.Current, _compactionOptions).Scores.Any(s => s >= 1))))
            {
                Monitor.Wait(_mutex, 100);
            }
        }
        PurgeObsoleteFiles();
    }

    /// <summary>The last level sizing computed, for <see cref="LevelSizing.ComputedFor"/>; see <see cref="SizingOf"/>.</summary>
    private LevelSizing? _sizing;

    /// <summary>
    /// Level targets and compaction debt of <paramref name="v"/>, computed once per version (flow control asks on
    /// every write). The cache lives here rather than on Version so that Version does not refer to Compaction.
    /// Lock-free: two threads may both compute it for a new version, and either result is right, since it is a pure
    /// function of the immutable version and the options copied at open.
    /// </summary>
    private LevelSizing SizingOf(Kv.Versions.Version v)
    {
        LevelSizing? sizing = Volatile.Read(ref _sizing);
        if (sizing is null || !ReferenceEquals(sizing.ComputedFor, v))
        {
            sizing = LevelSizing.Compute(v, _compactionOptions);
            Volatile.Write(ref _sizing, sizing);
        }
        return sizing;
    }

    /// <summary>Where flow control stands for the current version.</summary>
    private enum WriteStall
    {
        None,
        Slowdown,
        Stop,
    }

    private WriteStall CurrentStall()
    {
        if (_options.DisableAutoCompactions)
        {
            return WriteStall.None;
        }
        Kv.Versions.Version v = _versions.Current;
        int l0 = v.Files(0).Count;
        if (l0 >= _options.Level0StopWritesTrigger)
        {
            return WriteStall.Stop;
        }
        long pending = SizingOf(v).PendingCompactionBytes;
        if (pending >= _options.HardPendingCompactionBytesLimit)
        {
            return WriteStall.Stop;
        }
        return l0 >= _options.Level0SlowdownWritesTrigger || pending >= _options.SoftPendingCompactionBytesLimit
            ? WriteStall.Slowdown
            : WriteStall.None;
    }
}
