using System.Buffers.Binary;
using AimLsm.Kv.Common;
using AimLsm.Kv.IO;

namespace AimLsm.Kv.Wal;

/// <summary>
/// Appends records to a log file in the format of <see cref="LogFormat"/>. Not thread-safe: the caller serializes
/// appends (the write path holds the writer lock; the MANIFEST is written under the version lock).
/// </summary>
internal sealed class LogWriter : IDisposable
{
    private static readonly uint[] TypeCrc = BuildTypeCrcs();
    private static readonly byte[] Zeros = new byte[LogFormat.HeaderSize];
    private readonly IWritableFile _file;
    private int _blockOffset;

    /// <param name="file">The file, positioned at its end.</param>
    public LogWriter(IWritableFile file)
    {
        _file = file;
        _blockOffset = (int)(file.Length % LogFormat.BlockSize);
    }

    /// <summary>Bytes written to the file so far.</summary>
    public long Length => _file.Length;

    /// <summary>Appends one record, fragmenting it across blocks as needed. The bytes may sit in a buffer until <see cref="Flush"/>.</summary>
    public void AddRecord(ReadOnlySpan<byte> record) => AddRecord(record, default);

    /// <summary>
    /// Appends one record made of <paramref name="head"/> then <paramref name="tail"/>, exactly as
    /// <see cref="AddRecord(ReadOnlySpan{byte})"/> would append their concatenation, without making it: a large value
    /// goes from the caller's buffer to the file fragment by fragment.
    /// </summary>
    public void AddRecord(ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail)
    {
        Span<byte> header = stackalloc byte[LogFormat.HeaderSize];
        bool begin = true;
        ReadOnlySpan<byte> record = head;
        // A zero-length record still writes one FULL fragment, so it exists on replay.
        do
        {
            int leftover = LogFormat.BlockSize - _blockOffset;
            if (leftover < LogFormat.HeaderSize)
            {
                // Too small for a header: zero-fill the block's trailer, as readers expect.
                if (leftover > 0)
                {
                    _file.Append(Zeros.AsSpan(0, leftover));
                }
                _blockOffset = 0;
            }
            int avail = LogFormat.BlockSize - _blockOffset - LogFormat.HeaderSize;
            int fragment = Math.Min(record.Length + tail.Length, avail);
            bool end = fragment == record.Length + tail.Length;
            RecordType type = (begin, end) switch
            {
                (true, true) => RecordType.Full,
                (true, false) => RecordType.First,
                (false, true) => RecordType.Last,
                _ => RecordType.Middle,
            };
            // The fragment's payload: what is left of head, then as much of tail as fits.
            int fromHead = Math.Min(fragment, record.Length);
            ReadOnlySpan<byte> first = record[..fromHead];
            ReadOnlySpan<byte> second = tail[..(fragment - fromHead)];
            uint crc = Checksum.Mask(Checksum.Extend(Checksum.Extend(TypeCrc[(int)type], first), second));
            BinaryPrimitives.WriteUInt32LittleEndian(header, crc);
            BinaryPrimitives.WriteUInt16LittleEndian(header[4..], (ushort)fragment);
            header[6] = (byte)type;
            _file.Append(header);
            _file.Append(first);
            if (!second.IsEmpty)
            {
                _file.Append(second);
            }
            _blockOffset += LogFormat.HeaderSize + fragment;
            record = record[fromHead..];
            tail = tail[second.Length..];
            begin = false;
        }
        while (record.Length + tail.Length > 0);
    }

    /// <summary>Hands buffered bytes to the operating system (survives a process crash).</summary>
    public void Flush() => _file.Flush();

    /// <summary>Makes everything appended durable (survives a power loss).</summary>
    public void Sync() => _file.Sync();

    /// <summary>
    /// A WAL's sync: makes everything appended durable, then records how far in a <see cref="WalSyncPoint"/> handed
    /// to the operating system (it survives a process crash; the next sync makes it durable too). Only for WALs: a
    /// MANIFEST holds no such records.
    /// </summary>
    public void SyncAndMark()
    {
        _file.Sync();
        long synced = _file.Length;
        Span<byte> mark = stackalloc byte[WalSyncPoint.Size];
        WalSyncPoint.Write(mark, synced);
        AddRecord(mark);
        _file.Flush();
    }

    public void Dispose() => _file.Dispose();

    private static uint[] BuildTypeCrcs()
    {
        var crcs = new uint[5];
        for (int t = 0; t < crcs.Length; t++)
        {
            crcs[t] = Checksum.Compute([(byte)t]);
        }
        return crcs;
    }
}
