using System.Text;
using AimLsm.Kv.Common;
using AimLsm.Kv.IO;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Wal;

namespace AimLsm.Kv.Versions;

/// <summary>
/// Owns the MANIFEST: the log of <see cref="VersionEdit"/>s whose replay gives the live files and the counters
/// (next file number, last sequence, oldest live WAL). CURRENT names the active MANIFEST and is replaced
/// atomically: temp file, fsync, rename, directory fsync.
/// Thread safety: callers hold the database mutex for <see cref="LogAndApply"/>; <see cref="Current"/> may be read freely.
/// </summary>
internal sealed class VersionSet : IDisposable
{
    private readonly IFileSystem _fs;
    private readonly string _dir;
    private LogWriter? _manifest;
    private long _nextFileNumber = 2;
    private Version _current = Version.Empty;
    private readonly System.Collections.Concurrent.ConcurrentQueue<FileMetadata> _obsolete = new();

    private VersionSet(IFileSystem fs, string dir)
    {
        _fs = fs;
        _dir = dir;
    }

    public Version Current => Volatile.Read(ref _current);

    /// <summary>Tables no live version holds any more, waiting to be deleted.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<FileMetadata> ObsoleteFiles => _obsolete;

    private void OnObsolete(FileMetadata f) => _obsolete.Enqueue(f);

    /// <summary>Makes <paramref name="next"/> current: referenced before the old one is released, so shared files never drop to zero.</summary>
    private void Install(Version next)
    {
        next.Ref();
        Version old = _current;
        Volatile.Write(ref _current, next);
        if (!ReferenceEquals(old, Version.Empty))
        {
            old.Unref();
        }
    }

    /// <summary>The last sequence number recorded in the MANIFEST.</summary>
    public ulong LastSequence { get; set; }

    /// <summary>WALs numbered below this hold only data already in tables.</summary>
    public ulong LogNumber { get; private set; }

    public ulong ManifestNumber { get; private set; }

    /// <summary>The MANIFEST's path, once recovered or written.</summary>
    public string ManifestPath => PathOf(FileNames.Manifest(ManifestNumber));

    /// <summary>
    /// Where recovery found the MANIFEST cut off inside a record (a torn last edit), or -1. A torn edit is dropped,
    /// which is right only if nothing acted on it; <see cref="Db"/> checks that before opening.
    /// </summary>
    public long TornTailOffset { get; private set; } = -1;

    public ulong NextFileNumber => (ulong)Interlocked.Read(ref _nextFileNumber);

    public ulong NewFileNumber() => (ulong)Interlocked.Increment(ref _nextFileNumber) - 1;

    /// <summary>Makes sure new numbers are above <paramref name="number"/> (a file found on disk).</summary>
    public void MarkFileNumberUsed(ulong number)
    {
        long current;
        while ((ulong)(current = Interlocked.Read(ref _nextFileNumber)) <= number)
        {
            Interlocked.CompareExchange(ref _nextFileNumber, (long)number + 1, current);
        }
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>Reads CURRENT and replays the MANIFEST it names. Damage throws <see cref="CorruptionException"/>.</summary>
    public static VersionSet Recover(IFileSystem fs, string dir)
    {
        var set = new VersionSet(fs, dir);
        string currentPath = set.PathOf(FileNames.Current);
        string manifestName = ReadCurrent(fs, currentPath);
        if (FileNames.Parse(manifestName, out ulong manifestNumber) != FileKind.Manifest)
        {
            CorruptionException.Throw(currentPath, 0, $"CURRENT names '{manifestName}', which is not a MANIFEST file name");
        }
        string manifestPath = set.PathOf(manifestName);
        if (!fs.FileExists(manifestPath))
        {
            CorruptionException.Throw(currentPath, 0, $"CURRENT names {manifestName}, which does not exist");
        }
        set.ManifestNumber = manifestNumber;
        set.MarkFileNumberUsed(manifestNumber);

        ulong? logNumber = null, nextFile = null, lastSeq = null;
        bool sawComparator = false;
        Version v = Version.Empty;
        using (IReadableFile file = fs.OpenRead(manifestPath))
        {
            var reader = new LogReader(file, p =>
            {
                // A torn last record may be an edit that was never acknowledged (edits are synced before they
                // count); the open checks that nothing acted on it (TornTailOffset). Anything else is damage.
                if (p.Kind != LogProblemKind.TruncatedTail)
                {
                    CorruptionException.Throw(manifestPath, p.Offset, "MANIFEST: " + p.Reason);
                }
                set.TornTailOffset = p.Offset;
            });
            while (reader.ReadRecord(out ReadOnlySpan<byte> record))
            {
                VersionEdit edit;
                try
                {
                    edit = VersionEdit.Decode(record);
                    if (edit.Comparator is not null)
                    {
                        if (edit.Comparator != VersionEdit.ComparatorName)
                        {
                            throw new FormatException($"the database was written with comparator '{edit.Comparator}', not '{VersionEdit.ComparatorName}'");
                        }
                        sawComparator = true;
                    }
                    if (edit.DbFormatVersion is ulong fv && fv > VersionEdit.CurrentDbFormatVersion)
                    {
                        throw new FormatException($"the database format version is {fv}; this build reads up to {VersionEdit.CurrentDbFormatVersion}");
                    }
                    v = v.Apply(edit, set.OnObsolete);
                }
                catch (FormatException e)
                {
                    throw new CorruptionException(manifestPath, reader.LastRecordOffset, "MANIFEST: " + e.Message);
                }
                logNumber = edit.LogNumber ?? logNumber;
                nextFile = edit.NextFileNumber ?? nextFile;
                lastSeq = edit.LastSequence ?? lastSeq;
            }
        }
        if (!sawComparator || logNumber is null || nextFile is null || lastSeq is null)
        {
            CorruptionException.Throw(manifestPath, 0, "MANIFEST: no comparator, log number, next file number or last sequence was recorded");
        }
        set.Install(v.Apply(new VersionEdit(), set.OnObsolete));
        set.LogNumber = logNumber.Value;
        set.LastSequence = lastSeq.Value;
        set.MarkFileNumberUsed(nextFile.Value - 1);
        foreach (FileMetadata f in v.AllFiles)
        {
            set.MarkFileNumberUsed(f.Number);
        }
        return set;
    }

    private static string ReadCurrent(IFileSystem fs, string currentPath)
    {
        using IReadableFile f = fs.OpenRead(currentPath);
        if (f.Length is 0 or > 4096)
        {
            CorruptionException.Throw(currentPath, 0, $"CURRENT is {f.Length} bytes; it should hold one MANIFEST file name");
        }
        var bytes = new byte[f.Length];
        int n = f.Read(0, bytes);
        string text = Encoding.UTF8.GetString(bytes, 0, n);
        if (!text.EndsWith('\n'))
        {
            CorruptionException.Throw(currentPath, n, "CURRENT does not end with a newline (truncated?)");
        }
        return text[..^1];
    }

    /// <summary>A fresh database's version set: empty, with its first WAL to be numbered by the caller.</summary>
    public static VersionSet CreateNew(IFileSystem fs, string dir)
    {
        var set = new VersionSet(fs, dir);
        set.Install(Version.Empty.Apply(new VersionEdit(), set.OnObsolete));
        return set;
    }

    /// <summary>
    /// Starts a new MANIFEST holding the whole current state in one edit, points CURRENT at it and deletes the old
    /// one. Done at every open, so a MANIFEST never grows across sessions.
    /// </summary>
    public void WriteNewManifest(ulong logNumber, ulong lastSequence)
    {
        ulong oldNumber = ManifestNumber;
        ulong number = NewFileNumber();
        var edit = new VersionEdit
        {
            Comparator = VersionEdit.ComparatorName,
            DbFormatVersion = VersionEdit.CurrentDbFormatVersion,
            LogNumber = logNumber,
            NextFileNumber = NextFileNumber,
            LastSequence = lastSequence,
        };
        for (int level = 0; level < Version.NumLevels; level++)
        {
            foreach (FileMetadata f in Current.Files(level))
            {
                edit.NewFiles.Add((level, f));
            }
        }
        string path = PathOf(FileNames.Manifest(number));
        var writer = new LogWriter(_fs.Create(path));
        try
        {
            writer.AddRecord(edit.Encode());
            writer.Sync();
        }
        catch
        {
            writer.Dispose();
            _fs.Delete(path);
            throw;
        }
        try
        {
            SetCurrentFile(number);
        }
        catch
        {
            // Never delete the new MANIFEST here: the rename may have happened and CURRENT may name it already.
            // If it did not, the file is an orphan and the next open deletes it.
            writer.Dispose();
            throw;
        }
        _manifest?.Dispose();
        _manifest = writer;
        ManifestNumber = number;
        LogNumber = logNumber;
        LastSequence = lastSequence;
        if (oldNumber != 0)
        {
            try
            {
                _fs.Delete(PathOf(FileNames.Manifest(oldNumber)));
            }
            catch (IOException)
            {
                // Best effort, as every deletion: CURRENT names the new MANIFEST; the next open deletes the old one.
            }
        }
    }

    private void SetCurrentFile(ulong manifestNumber)
    {
        string temp = PathOf(FileNames.Temp(manifestNumber));
        using (IWritableFile f = _fs.Create(temp))
        {
            f.Append(Encoding.UTF8.GetBytes(FileNames.Manifest(manifestNumber) + "\n"));
            f.Sync();
        }
        _fs.Rename(temp, PathOf(FileNames.Current));
        _fs.SyncDirectory(_dir);
    }

    /// <summary>
    /// Records <paramref name="edit"/> durably in the MANIFEST, then installs the version it produces.
    /// REQUIRES: the database mutex. On an I/O error nothing is installed and the error propagates.
    /// </summary>
    public Version LogAndApply(VersionEdit edit)
    {
        if (_manifest is null)
        {
            ThrowHelper.ThrowInvalidOperation("the MANIFEST is not open");
        }
        edit.NextFileNumber = NextFileNumber;
        edit.LastSequence ??= LastSequence;
        Version next = Current.Apply(edit, OnObsolete);
        CheckLevels(next);
        _manifest.AddRecord(edit.Encode());
        _manifest.Sync();
        if (edit.LogNumber is ulong log)
        {
            LogNumber = log;
        }
        LastSequence = edit.LastSequence.Value;
        Install(next);
        return next;
    }

    /// <summary>Levels 1..6 hold tables in key order that do not overlap: point reads binary-search them and stop at
    /// the first table that may hold the key. (Not checked on recovery, where a damaged MANIFEST is reported as
    /// corruption by Db.CheckLiveFiles instead.)</summary>
    internal static void CheckLevels(Version v)
    {
        if (!Invariant.Enabled)
        {
            return;
        }
        for (int l = 1; l < Version.NumLevels; l++)
        {
            IReadOnlyList<FileMetadata> files = v.Files(l);
            for (int i = 1; i < files.Count; i++)
            {
                Invariant.Holds(InternalKey.Compare(files[i - 1].Largest, files[i].Smallest) < 0,
                    $"tables {files[i - 1].Number} and {files[i].Number} of level {l} do not overlap and are in key order");
            }
        }
    }

    /// <summary>
    /// Installs tables written during recovery without logging them: <see cref="WriteNewManifest"/> follows at once
    /// and records the whole state. If the process dies in between, the tables are unreferenced and deleted at the
    /// next open, and the WALs they came from, still present, are replayed again.
    /// </summary>
    public void ApplyRecovered(VersionEdit edit) => Install(Current.Apply(edit, OnObsolete));

    public void Dispose()
    {
        _manifest?.Dispose();
        _manifest = null;
    }
}
