using System.Buffers.Binary;
using AimLsm.Encoding;
using AimLsm.Kv;
using AimLsm.Tree.Storage;

namespace AimLsm.Tree;

/// <summary>What remote tracking (<c>AimLsm.Remote.TrackingServer</c>) needs of a repo beyond the public API: runs
/// with the client's hash and creation time, and each session's "last batch applied" marker.</summary>
public sealed partial class Repo
{
    /// <summary>The root of the session markers: <c>('tracking_sessions', SESSION)</c> = u64 LE, the number of the
    /// last batch of that session applied (docs/format.md 15.3). Outside <c>runs</c>, so no query sees it.</summary>
    private const string SessionsRoot = "tracking_sessions";

    /// <summary>
    /// Creates a run with a hash and props a client chose (a remote <c>CreateRun</c>, or a sync), or, when a run with
    /// that hash exists and was created at the same instant, reopens it: a resent batch creates nothing twice.
    /// </summary>
    /// <exception cref="RunConflictException">A run with that hash exists with another creation time.</exception>
    /// <exception cref="RunLockedException">It exists and another writer holds it.</exception>
    internal Run CreateRunWithHash(string hash, RunProps props)
    {
        ThrowIfReadOnly();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (RunIndex().ContainsKey(hash))
            {
                Slot owner = OwnSlotOf(hash);
                RunProps stored = RunProps.Load(owner.Writable!, hash);
                if (BitConverter.DoubleToInt64Bits(stored.CreatedAt) != BitConverter.DoubleToInt64Bits(props.CreatedAt))
                {
                    throw new RunConflictException(hash,
                        $"Run '{hash}' exists with another creation time ({RunProps.ToDateTime(stored.CreatedAt):O}, not {RunProps.ToDateTime(props.CreatedAt):O}): a hash names one run; refusing to merge two into it.");
                }
            }
            else
            {
                Slot slot = PrimarySlot();
                var created = new Run(this, slot, hash, writable: true, created: true);
                created.WriteProps(props);
                _openRuns[hash] = created;
                _runIndex?.Add(hash, slot);
                return created;
            }
        }

        return OpenRun(hash);
    }

    /// <summary>The number of the last batch of <paramref name="session"/> applied, 0 for none: the largest marker in
    /// any slot (a restarted server may write from another slot than before).</summary>
    internal ulong ReadSessionMarker(Guid session)
    {
        byte[] key = SessionKey(session);
        ulong last = 0;
        List<Slot> slots;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            slots = [.. _slots.Values];
        }

        foreach (Slot slot in slots)
        {
            using StoreLease? lease = slot.TryLease();
            if (lease?.Db.Get(key) is { Length: 8 } value)
            {
                last = Math.Max(last, BinaryPrimitives.ReadUInt64LittleEndian(value));
            }
        }

        return last;
    }

    /// <summary>
    /// Makes everything tracked so far durable and records batch <paramref name="number"/> of
    /// <paramref name="session"/> as applied, in the same engine write batch as the last points tracked before
    /// (<see cref="Sequences.Tracker.FlushAsync"/>). Props and trees written directly before the call are in the same
    /// WAL, earlier, and synced with it.
    /// </summary>
    internal Task CommitSessionBatchAsync(Guid session, ulong number)
    {
        Db db;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            db = PrimarySlot().Writable!;
        }

        byte[] value = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(value, number);
        return Tracker.FlushAsync(db, SessionKey(session), value);
    }

    /// <summary>The folder of a sync's files (<c>AimLsm.Remote.RepoSync</c>, docs/format.md 15.5): one state file per server.</summary>
    internal const string SyncFolder = "sync";

    /// <summary>The contents of <c>sync/NAME</c> in the repo folder, or null when there is none.</summary>
    /// <exception cref="IOException">It cannot be read; the message names it.</exception>
    internal byte[]? ReadSyncFile(string name)
    {
        string path = System.IO.Path.Combine(Path, SyncFolder, name);
        if (!_fs.FileExists(path))
        {
            return null;
        }

        using Kv.IO.IReadableFile file = _fs.OpenRead(path);
        var bytes = new byte[file.Length];
        int n = file.Read(0, bytes);
        return n == bytes.Length ? bytes : throw new IOException($"'{path}' is {bytes.Length} bytes but reading it returned {n}.");
    }

    /// <summary>Replaces <c>sync/NAME</c> atomically and durably: a temporary file, synced, renamed over it, the folder synced.
    /// Written also in a repo opened read-only: it is the sync's file, not the engine's.</summary>
    internal void WriteSyncFile(string name, ReadOnlySpan<byte> contents)
    {
        string folder = System.IO.Path.Combine(Path, SyncFolder);
        _fs.CreateDirectory(folder);
        string path = System.IO.Path.Combine(folder, name);
        string temporary = path + ".tmp";
        using (Kv.IO.IWritableFile file = _fs.Create(temporary))
        {
            file.Append(contents);
            file.Sync();
        }

        _fs.Rename(temporary, path);
        _fs.SyncDirectory(folder);
    }

    /// <summary>Takes the lock file <c>sync/NAME</c>, or returns null when another holder has it.</summary>
    internal IDisposable? TryLockSyncFile(string name)
    {
        string folder = System.IO.Path.Combine(Path, SyncFolder);
        _fs.CreateDirectory(folder);
        return _fs.TryLock(System.IO.Path.Combine(folder, name));
    }

    private static byte[] SessionKey(Guid session) => TreePath.Encode([SessionsRoot, session.ToString("N")]);
}
