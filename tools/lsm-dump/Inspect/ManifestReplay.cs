using AimLsm.Kv.IO;
using AimLsm.Kv.Versions;
using AimLsm.Kv.Wal;

namespace AimLsm.Tools.LsmDump.Inspect;

/// <summary>
/// Replays a MANIFEST read-only, the way <c>VersionSet.Recover</c> does, but keeps every edit with its offset and
/// every problem instead of stopping at the first, so lsm-dump can show and verify them. Never takes the LOCK.
/// </summary>
internal sealed class ManifestReplay
{
    public string Path { get; private init; } = "";

    public List<(long Offset, int Length, VersionEdit Edit)> Edits { get; } = [];

    /// <summary>Damage found: log problems (a torn tail included) and edits that do not decode or apply.</summary>
    public List<(long Offset, string Kind, string Reason)> Problems { get; } = [];

    public Kv.Versions.Version Result { get; private set; } = Kv.Versions.Version.Empty;

    public string? Comparator { get; private set; }

    public ulong? LogNumber { get; private set; }

    public ulong? NextFileNumber { get; private set; }

    public ulong? LastSequence { get; private set; }

    public ulong? DbFormatVersion { get; private set; }

    public static ManifestReplay Read(string path)
    {
        var replay = new ManifestReplay { Path = path };
        using IReadableFile file = DbFiles.Fs.OpenRead(path);
        var reader = new LogReader(file, p => replay.Problems.Add((p.Offset, p.Kind.ToString(), p.Reason)));
        while (reader.ReadRecord(out ReadOnlySpan<byte> record))
        {
            long offset = reader.LastRecordOffset;
            VersionEdit edit;
            try
            {
                edit = VersionEdit.Decode(record);
            }
            catch (FormatException e)
            {
                replay.Problems.Add((offset, "BadEdit", e.Message));
                continue;
            }
            replay.Edits.Add((offset, record.Length, edit));
            try
            {
                replay.Result = replay.Result.Apply(edit);
            }
            catch (FormatException e)
            {
                replay.Problems.Add((offset, "BadEdit", e.Message));
            }
            replay.Comparator = edit.Comparator ?? replay.Comparator;
            replay.LogNumber = edit.LogNumber ?? replay.LogNumber;
            replay.NextFileNumber = edit.NextFileNumber ?? replay.NextFileNumber;
            replay.LastSequence = edit.LastSequence ?? replay.LastSequence;
            replay.DbFormatVersion = edit.DbFormatVersion ?? replay.DbFormatVersion;
        }
        if (replay.Edits.Count > 0 && (replay.Comparator is null || replay.LogNumber is null || replay.NextFileNumber is null || replay.LastSequence is null))
        {
            replay.Problems.Add((0, "Incomplete", "no comparator, log number, next file number or last sequence was recorded"));
        }
        else if (replay.Comparator is not null && replay.Comparator != VersionEdit.ComparatorName)
        {
            replay.Problems.Add((0, "Comparator", $"written with comparator '{replay.Comparator}', not '{VersionEdit.ComparatorName}'"));
        }
        return replay;
    }
}
