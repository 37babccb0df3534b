using System.Globalization;
using AimLsm.Lsm;

namespace AimLsm.Tree.Storage;

/// <summary>
/// One writer slot of a repo: an engine directory <c>slots/NNNN</c> that at most one process writes at a time
/// (the engine's LOCK file guarantees it, and the kernel releases the lock of a killed process), read by everyone
/// else through read-only instances (docs/aim-repo.md). Every run lives in exactly one slot, its home.
/// </summary>
internal sealed class Slot : IDisposable
{
    private readonly Lock _lock = new();
    private readonly DbOptions _options;
    private StoreHandle? _handle;

    public Slot(string name, string directory, DbOptions options)
    {
        Name = name;
        Directory = directory;
        _options = options;
    }

    public string Name { get; }

    public string Directory { get; }

    /// <summary>The writable engine when this process owns the slot, else null.</summary>
    public Db? Writable { get; private set; }

    /// <summary>Where the owner writes who it is, for error messages about a held slot.</summary>
    public string OwnerFile => Directory + ".owner";

    /// <summary>Takes the slot for writing. Returns false when another instance holds it.</summary>
    /// <exception cref="DbException">The engine cannot be opened for another reason (corruption, I/O).</exception>
    public bool TryOwn()
    {
        Db db;
        try
        {
            db = Db.Open(Directory, _options);
        }
        catch (DbLockedException)
        {
            return false;
        }

        lock (_lock)
        {
            StoreHandle? old = _handle;
            _handle = new StoreHandle(db);
            Writable = db;
            old?.Release();
        }

        try
        {
            File.WriteAllText(OwnerFile, string.Create(CultureInfo.InvariantCulture,
                $"pid {Environment.ProcessId} on {Environment.MachineName} since {DateTime.UtcNow:O}\n"));
        }
        catch (IOException)
        {
            // The owner file only improves error messages; the LOCK file is what guards the slot.
        }

        return true;
    }

    /// <summary>Who holds the slot, as its owner last wrote it, for error messages.</summary>
    public string DescribeOwner()
    {
        try
        {
            return File.ReadAllText(OwnerFile).Trim();
        }
        catch (IOException)
        {
            return "an unknown process";
        }
    }

    /// <summary>A lease on the current instance, opening a read-only one on first use; null when the slot has no
    /// engine yet (its creator has not written CURRENT).</summary>
    public StoreLease? TryLease()
    {
        lock (_lock)
        {
            if (_handle is null)
            {
                try
                {
                    _handle = new StoreHandle(Db.OpenReadOnly(Directory, _options));
                }
                catch (DbNotFoundException)
                {
                    return null;
                }
            }

            _handle.Acquire();
            return new StoreLease(_handle);
        }
    }

    /// <summary>Catches a read-only slot up with its writer: the next lease sees everything made durable so far.</summary>
    public void Refresh()
    {
        StoreHandle? old;
        lock (_lock)
        {
            if (Writable is not null || _handle is null)
            {
                return;
            }

            old = _handle;
            _handle = null;
        }

        old.Release();
    }

    public void Dispose()
    {
        StoreHandle? old;
        lock (_lock)
        {
            old = _handle;
            _handle = null;
            Writable = null;
        }

        old?.Release();
    }
}
