using AimLsm.Kv.IO;
using AimLsm.Kv.Iteration;
using AimLsm.Kv.Keys;
using AimLsm.Kv.RangeDel;
using AimLsm.Kv.Sst;
using AimLsm.Kv.Versions;

namespace AimLsm.Kv.Compaction;

/// <summary>What a compaction wrote.</summary>
internal sealed record CompactionResult(List<FileMetadata> Outputs, long BytesRead, long BytesWritten, long EntriesIn, long EntriesDropped);

/// <summary>
/// Runs one <see cref="CompactionPlan"/>: merges its inputs and writes new tables for the output level.
/// What it drops (RocksDB's CompactionIterator rules):
/// <list type="bullet">
/// <item>a version with a newer version of the same key in the same snapshot stripe (no snapshot can see it);</item>
/// <item>a version covered by a range tombstone in the same stripe;</item>
/// <item>a point tombstone in the oldest stripe when no level below holds the key (nothing left to hide);</item>
/// <item>a range tombstone in the oldest stripe when no level below overlaps its range.</item>
/// </list>
/// A stripe is the set of sequence numbers between two consecutive live snapshots. Outputs are split near
/// <see cref="DbOptions.TargetFileSizeBase"/> only between user keys, and each output carries the range tombstones
/// clipped to its own key span, so files in a level never overlap. Runs without the database mutex.
/// </summary>
internal sealed class CompactionJob(
    CompactionPlan plan, Versions.Version version, ulong[] snapshots, TableCache tables, IFileSystem fs, string dir,
    TableOptions tableOptions, long targetFileSize, Func<ulong> newFileNumber)
{
    private readonly List<FileMetadata> _outputs = [];
    private TableBuilder? _builder;
    private IWritableFile? _file;
    private ulong _fileNumber;
    private long _currentBytes;
    private byte[]? _lowerBound; // first user key of the current output; null for the first output (unbounded below)
    private long _written;
    private readonly List<RangeTombstone> _tombstones = [];

    /// <summary>Writes the outputs; on failure deletes what it wrote and rethrows.</summary>
    public CompactionResult Run()
    {
        var entries = new List<TableCache.Entry>();
        var children = new List<InternalIterator>();
        long entriesIn = 0, dropped = 0;
        try
        {
            foreach ((_, FileMetadata f) in plan.AllInputs)
            {
                TableCache.Entry e = tables.Acquire(f);
                entries.Add(e);
                // Its inputs are read once and deleted after it: their blocks in the cache would only push out what
                // readers use (RocksDB reads compaction inputs with fill_cache=false too).
                children.Add(e.Reader.NewIterator(fillCache: false));
                _tombstones.AddRange(e.Reader.RawTombstones);
            }
            FragmentedRangeTombstones covering = FragmentedRangeTombstones.Build(_tombstones);
            using var merged = new MergingIterator([.. children]);
            children.Clear();
            byte[] currentKey = new byte[64];
            int currentKeyLength = -1;
            int lastStripe = -1;
            bool baseLevelKnown = false, isBaseLevel = false;
            for (merged.SeekToFirst(); merged.Valid; merged.Next())
            {
                entriesIn++;
                ReadOnlySpan<byte> ikey = merged.Key;
                ReadOnlySpan<byte> userKey = InternalKey.UserKey(ikey);
                ulong trailer = InternalKey.Trailer(ikey);
                ulong seq = trailer >> 8;
                if (currentKeyLength < 0 || !userKey.SequenceEqual(currentKey.AsSpan(0, currentKeyLength)))
                {
                    if (userKey.Length > currentKey.Length)
                    {
                        currentKey = new byte[Math.Max(userKey.Length, currentKey.Length * 2)];
                    }
                    userKey.CopyTo(currentKey);
                    currentKeyLength = userKey.Length;
                    lastStripe = -1;
                    baseLevelKnown = false;
                }
                int stripe = Stripe(seq);
                if (stripe == lastStripe)
                {
                    dropped++; // a newer version of this key is in the same stripe
                    continue;
                }
                lastStripe = stripe;
                ulong tombstone = covering.SmallestCoveringAbove(userKey, seq);
                if (tombstone != 0 && Stripe(tombstone) == stripe)
                {
                    dropped++; // deleted by a range tombstone no snapshot sees past
                    continue;
                }
                if ((EntryType)(byte)trailer == EntryType.Deletion && stripe == 0)
                {
                    if (!baseLevelKnown)
                    {
                        isBaseLevel = !BelowOutputLevel(userKey, userKey, inclusiveEnd: true);
                        baseLevelKnown = true;
                    }
                    if (isBaseLevel)
                    {
                        dropped++; // nothing older below to hide
                        continue;
                    }
                }
                Emit(ikey, merged.Value, userKey);
            }
            FinishOutput(upperBound: null);
            if (_outputs.Count == 0 && KeptTombstones(null, null).Any())
            {
                // Only range tombstones survive: they still need a file.
                StartOutput(ReadOnlySpan<byte>.Empty, first: true);
                FinishOutput(upperBound: null);
            }
            return new CompactionResult(_outputs, plan.InputBytes, _written, entriesIn, dropped);
        }
        catch
        {
            _file?.Dispose();
            foreach (FileMetadata f in _outputs)
            {
                TryDelete(f.Number);
            }
            if (_builder is not null)
            {
                TryDelete(_fileNumber);
            }
            throw;
        }
        finally
        {
            foreach (InternalIterator c in children)
            {
                c.Dispose();
            }
            foreach (TableCache.Entry e in entries)
            {
                e.Release();
            }
        }
    }

    /// <summary>The stripe of a sequence number: the index of the first snapshot at or above it (the count when none).</summary>
    private int Stripe(ulong seq)
    {
        int i = Array.BinarySearch(snapshots, seq);
        return i >= 0 ? i : ~i;
    }

    /// <summary>True when a level below the output level may hold keys in [lo, hi] (or [lo, hi) without <paramref name="inclusiveEnd"/>).</summary>
    private bool BelowOutputLevel(ReadOnlySpan<byte> lo, ReadOnlySpan<byte> hi, bool inclusiveEnd)
    {
        for (int l = plan.OutputLevel + 1; l < Versions.Version.NumLevels; l++)
        {
            foreach (FileMetadata f in version.Files(l))
            {
                int c = f.SmallestUserKey.SequenceCompareTo(hi);
                if (f.LargestUserKey.SequenceCompareTo(lo) >= 0 && (inclusiveEnd ? c <= 0 : c < 0))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private void Emit(ReadOnlySpan<byte> ikey, ReadOnlySpan<byte> value, ReadOnlySpan<byte> userKey)
    {
        if (_builder is null)
        {
            StartOutput(userKey, first: _outputs.Count == 0);
        }
        else if (_currentBytes >= targetFileSize && !userKey.SequenceEqual(LastUserKey))
        {
            // Split only between user keys: every version of a key stays in one file of the level.
            FinishOutput(upperBound: userKey.ToArray());
            StartOutput(userKey, first: false);
        }
        _builder!.Add(ikey, value);
        _currentBytes += ikey.Length + value.Length;
        if (userKey.Length > _lastUserKey.Length)
        {
            _lastUserKey = new byte[Math.Max(userKey.Length, _lastUserKey.Length * 2)];
        }
        userKey.CopyTo(_lastUserKey);
        _lastUserKeyLength = userKey.Length;
    }

    private byte[] _lastUserKey = new byte[64];
    private int _lastUserKeyLength;

    private ReadOnlySpan<byte> LastUserKey => _lastUserKey.AsSpan(0, _lastUserKeyLength);

    private void StartOutput(ReadOnlySpan<byte> firstUserKey, bool first)
    {
        _fileNumber = newFileNumber();
        _file = fs.Create(Path.Combine(dir, FileNames.Table(_fileNumber)));
        _builder = new TableBuilder(_file, tableOptions);
        _currentBytes = 0;
        _lowerBound = first ? null : firstUserKey.ToArray();
    }

    /// <summary>Adds the kept range tombstones clipped to [lower, upper), then seals and syncs the file.</summary>
    private void FinishOutput(byte[]? upperBound)
    {
        if (_builder is null)
        {
            return;
        }
        foreach (RangeTombstone t in KeptTombstones(_lowerBound, upperBound))
        {
            _builder.AddRangeTombstone(t);
        }
        TableSummary s = _builder.Finish();
        _file!.Sync();
        _file.Dispose();
        _file = null;
        _builder = null;
        _written += s.FileSize;
        _outputs.Add(new FileMetadata(_fileNumber, s.FileSize, s.Smallest, s.Largest, s.SmallestSequence, s.LargestSequence));
    }

    /// <summary>The input range tombstones that must survive, clipped to [lower, upper) (null: unbounded).</summary>
    private IEnumerable<RangeTombstone> KeptTombstones(byte[]? lower, byte[]? upper)
    {
        foreach (RangeTombstone t in _tombstones)
        {
            if (Stripe(t.Sequence) == 0 && !BelowOutputLevel(t.Start, t.End, inclusiveEnd: false))
            {
                continue; // at the bottom for its range and seen by every snapshot: nothing left to delete
            }
            byte[] start = lower is not null && t.Start.AsSpan().SequenceCompareTo(lower) < 0 ? lower : t.Start;
            byte[] end = upper is not null && t.End.AsSpan().SequenceCompareTo(upper) > 0 ? upper : t.End;
            if (start.AsSpan().SequenceCompareTo(end) < 0)
            {
                yield return new RangeTombstone(start, end, t.Sequence);
            }
        }
    }

    private void TryDelete(ulong number)
    {
        try
        {
            fs.Delete(Path.Combine(dir, FileNames.Table(number)));
        }
        catch (IOException)
        {
            // Left for the next open to delete: it is in no version.
        }
    }
}
