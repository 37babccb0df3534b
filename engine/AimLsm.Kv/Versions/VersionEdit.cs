using System.Buffers;
using System.Text;
using AimLsm.Kv.Common;

namespace AimLsm.Kv.Versions;

/// <summary>
/// One MANIFEST record: a change to the set of live files and to the database's counters
/// (docs/format.md, "MANIFEST"). Encoded as (varint32 tag, payload) pairs. A tag without the <see cref="SafeToIgnoreMask"/>
/// bit must be understood; a tag with it carries a varint length and may be skipped by older readers, RocksDB's rule.
/// DO NOT CHANGE the tag values.
/// </summary>
internal sealed class VersionEdit
{
    public const string ComparatorName = "leveldb.BytewiseComparator";

    /// <summary>
    /// The database format this build writes into every new MANIFEST (docs/format.md, 10.2). 1: the first format.
    /// 2: WALs may hold sync points (<see cref="Wal.WalSyncPoint"/>), records a version-1 reader would take for
    /// damaged write batches.
    /// </summary>
    public const ulong CurrentDbFormatVersion = 2;

    private const uint TagComparator = 1;
    private const uint TagLogNumber = 2;
    private const uint TagNextFileNumber = 3;
    private const uint TagLastSequence = 4;
    private const uint TagDeletedFile = 6;
    private const uint TagNewFile = 7;
    private const uint TagDbFormatVersion = 20;
    public const uint SafeToIgnoreMask = 1u << 13;

    public string? Comparator { get; set; }
    public ulong? LogNumber { get; set; }
    public ulong? NextFileNumber { get; set; }
    public ulong? LastSequence { get; set; }
    public ulong? DbFormatVersion { get; set; }
    public List<(int Level, ulong Number)> DeletedFiles { get; } = [];
    public List<(int Level, FileMetadata File)> NewFiles { get; } = [];

    public byte[] Encode()
    {
        var w = new System.Buffers.ArrayBufferWriter<byte>(64);
        if (Comparator is not null)
        {
            PutVar(w, TagComparator);
            PutBytes(w, Encoding.UTF8.GetBytes(Comparator));
        }
        if (DbFormatVersion is ulong fv)
        {
            PutVar(w, TagDbFormatVersion);
            PutVar(w, fv);
        }
        if (LogNumber is ulong log)
        {
            PutVar(w, TagLogNumber);
            PutVar(w, log);
        }
        if (NextFileNumber is ulong next)
        {
            PutVar(w, TagNextFileNumber);
            PutVar(w, next);
        }
        if (LastSequence is ulong seq)
        {
            PutVar(w, TagLastSequence);
            PutVar(w, seq);
        }
        foreach ((int level, ulong number) in DeletedFiles)
        {
            PutVar(w, TagDeletedFile);
            PutVar(w, (ulong)level);
            PutVar(w, number);
        }
        foreach ((int level, FileMetadata f) in NewFiles)
        {
            PutVar(w, TagNewFile);
            PutVar(w, (ulong)level);
            PutVar(w, f.Number);
            PutVar(w, (ulong)f.Size);
            PutBytes(w, f.Smallest);
            PutBytes(w, f.Largest);
            PutVar(w, f.SmallestSequence);
            PutVar(w, f.LargestSequence);
        }
        return w.WrittenSpan.ToArray();
    }

    private static void PutVar(System.Buffers.ArrayBufferWriter<byte> w, ulong v) =>
        w.Advance(Varint.Write(w.GetSpan(Varint.MaxLength64), v));

    private static void PutBytes(System.Buffers.ArrayBufferWriter<byte> w, ReadOnlySpan<byte> b)
    {
        PutVar(w, (ulong)b.Length);
        w.Write(b);
    }

    /// <summary>Decodes a record; throws <see cref="FormatException"/> with the offset inside the record when malformed.</summary>
    public static VersionEdit Decode(ReadOnlySpan<byte> src)
    {
        var edit = new VersionEdit();
        int pos = 0;
        while (pos < src.Length)
        {
            int tagStart = pos;
            ulong rawTag = ReadVar(src, ref pos, "tag");
            if (rawTag > uint.MaxValue)
            {
                throw new FormatException($"tag {rawTag} out of range at offset {tagStart}");
            }
            uint tag = (uint)rawTag;
            switch (tag)
            {
                case TagComparator:
                    edit.Comparator = Encoding.UTF8.GetString(ReadBytes(src, ref pos, "comparator"));
                    break;
                case TagLogNumber:
                    edit.LogNumber = ReadVar(src, ref pos, "log number");
                    break;
                case TagNextFileNumber:
                    edit.NextFileNumber = ReadVar(src, ref pos, "next file number");
                    break;
                case TagLastSequence:
                    edit.LastSequence = ReadVar(src, ref pos, "last sequence");
                    break;
                case TagDbFormatVersion:
                    edit.DbFormatVersion = ReadVar(src, ref pos, "format version");
                    break;
                case TagDeletedFile:
                    edit.DeletedFiles.Add((ReadLevel(src, ref pos), ReadVar(src, ref pos, "deleted file number")));
                    break;
                case TagNewFile:
                {
                    int level = ReadLevel(src, ref pos);
                    ulong number = ReadVar(src, ref pos, "file number");
                    ulong size = ReadVar(src, ref pos, "file size");
                    byte[] smallest = ReadBytes(src, ref pos, "smallest key").ToArray();
                    byte[] largest = ReadBytes(src, ref pos, "largest key").ToArray();
                    ulong smallSeq = ReadVar(src, ref pos, "smallest sequence");
                    ulong largeSeq = ReadVar(src, ref pos, "largest sequence");
                    if (size > long.MaxValue)
                    {
                        throw new FormatException($"file size {size} out of range at offset {tagStart}");
                    }
                    edit.NewFiles.Add((level, new FileMetadata(number, (long)size, smallest, largest, smallSeq, largeSeq)));
                    break;
                }
                default:
                    if ((tag & SafeToIgnoreMask) == 0)
                    {
                        throw new FormatException($"unknown MANIFEST tag {tag} at offset {tagStart}; written by a newer version?");
                    }
                    ReadBytes(src, ref pos, $"ignorable tag {tag}");
                    break;
            }
        }
        return edit;
    }

    private static int ReadLevel(ReadOnlySpan<byte> src, ref int pos)
    {
        int at = pos;
        ulong level = ReadVar(src, ref pos, "level");
        if (level >= Version.NumLevels)
        {
            throw new FormatException($"level {level} out of range at offset {at}");
        }
        return (int)level;
    }

    private static ulong ReadVar(ReadOnlySpan<byte> src, ref int pos, string what)
    {
        int n = Varint.TryRead(src[pos..], out ulong v);
        if (n == 0)
        {
            throw new FormatException($"malformed {what} at offset {pos}");
        }
        pos += n;
        return v;
    }

    private static ReadOnlySpan<byte> ReadBytes(ReadOnlySpan<byte> src, ref int pos, string what)
    {
        int at = pos;
        ulong len = ReadVar(src, ref pos, what + " length");
        if (len > (ulong)(src.Length - pos))
        {
            throw new FormatException($"{what} at offset {at} runs past the end of the record");
        }
        ReadOnlySpan<byte> b = src.Slice(pos, (int)len);
        pos += (int)len;
        return b;
    }
}
