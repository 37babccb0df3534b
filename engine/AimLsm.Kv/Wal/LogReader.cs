using System.Buffers.Binary;
using AimLsm.Kv.Common;
using AimLsm.Kv.IO;

namespace AimLsm.Kv.Wal;

/// <summary>What kind of damage a <see cref="LogReader"/> found.</summary>
internal enum LogProblemKind
{
    /// <summary>
    /// The file ends inside a record: the writer stopped (crashed) while appending it. The record was never
    /// acknowledged as durable, so every recovery mode but absolute consistency may drop it.
    /// </summary>
    TruncatedTail,

    /// <summary>Zero-filled space where a record should start (preallocated or lost file data).</summary>
    ZeroedSpace,

    /// <summary>A checksum mismatch, an impossible length or a broken fragment sequence.</summary>
    Corruption,
}

/// <summary>One problem a <see cref="LogReader"/> met: where, how many bytes it skipped, and why.</summary>
internal readonly record struct LogProblem(LogProblemKind Kind, long Offset, long BytesDropped, string Reason);

/// <summary>
/// Reads the records of a log file (see <see cref="LogFormat"/>). Damage is not thrown: it is handed to the
/// <c>onProblem</c> callback and the reader resynchronizes at the next block, so the caller chooses the policy
/// (LevelDB's reporter; RocksDB's WAL recovery modes). Not thread-safe.
/// </summary>
internal sealed class LogReader
{
    private readonly IReadableFile _file;
    private readonly Action<LogProblem> _onProblem;
    private readonly byte[] _block = new byte[LogFormat.BlockSize];
    private byte[] _scratch = new byte[256];
    private long _blockStart;   // file offset of _block[0]
    private int _blockLength;   // valid bytes in _block
    private int _pos;           // next unread byte in _block
    private bool _eof;
    private long _tornAt = -1;  // where a record cut short by the end of the file starts, once met
    private long _zeroTail = -1; // where the zeros that run to the end of the file begin, once computed
    private long _dataEnd = -1;  // where the data ends when zero-filled space follows it to the end of the file

    public LogReader(IReadableFile file, Action<LogProblem> onProblem)
    {
        _file = file;
        _onProblem = onProblem;
        _blockStart = -LogFormat.BlockSize;
    }

    /// <summary>The file offset where the last record returned by <see cref="ReadRecord"/> started.</summary>
    public long LastRecordOffset { get; private set; }

    /// <summary>The file offset just past the last fragment consumed (a good end of the valid prefix).</summary>
    public long EndOfLastRecord { get; private set; }

    /// <summary>
    /// Reads the next whole record. The span stays valid until the next call. Returns false at the end of the file.
    /// </summary>
    public bool ReadRecord(out ReadOnlySpan<byte> record)
    {
        bool inFragmented = false;
        int scratchLength = 0;
        long recordStart = 0;
        while (true)
        {
            FragmentResult r = ReadFragment(out RecordType type, out int start, out int length, out long fragmentOffset);
            switch (r)
            {
                case FragmentResult.Eof:
                    // One report for the torn tail, from the start of the record it cut short.
                    long tornFrom = inFragmented ? recordStart : _tornAt;
                    if (tornFrom >= 0)
                    {
                        long end = _dataEnd >= 0 ? _dataEnd : _blockStart + _blockLength;
                        Report(LogProblemKind.TruncatedTail, tornFrom, end - tornFrom,
                            inFragmented ? "the file ends inside a fragmented record" : "the file ends inside a record");
                    }
                    record = default;
                    return false;
                case FragmentResult.Zeroed:
                    // Zero-filled space cut the record off: the same kind of damage as the space itself, so that a
                    // zeroed tail stays a tail for the recovery modes.
                    if (inFragmented)
                    {
                        Report(LogProblemKind.ZeroedSpace, recordStart, fragmentOffset - recordStart, "a record was cut off by zero-filled space");
                    }
                    inFragmented = false;
                    scratchLength = 0;
                    continue;
                case FragmentResult.Bad:
                    // ReadFragment reported the bad fragment; the record it interrupted is lost too, so say so.
                    if (inFragmented)
                    {
                        Report(LogProblemKind.Corruption, recordStart, fragmentOffset - recordStart,
                            "a record was interrupted by a damaged fragment");
                    }
                    inFragmented = false;
                    scratchLength = 0;
                    continue;
            }
            ReadOnlySpan<byte> payload = _block.AsSpan(start, length);
            switch (type)
            {
                case RecordType.Full:
                    if (inFragmented)
                    {
                        Report(LogProblemKind.Corruption, recordStart, fragmentOffset - recordStart, "a record was begun but not ended");
                    }
                    LastRecordOffset = fragmentOffset;
                    EndOfLastRecord = _blockStart + _pos;
                    record = payload;
                    return true;
                case RecordType.First:
                    if (inFragmented)
                    {
                        Report(LogProblemKind.Corruption, recordStart, fragmentOffset - recordStart, "a record was begun but not ended");
                    }
                    inFragmented = true;
                    recordStart = fragmentOffset;
                    scratchLength = 0;
                    AppendScratch(ref scratchLength, payload);
                    break;
                case RecordType.Middle:
                case RecordType.Last:
                    if (!inFragmented)
                    {
                        Report(LogProblemKind.Corruption, fragmentOffset, LogFormat.HeaderSize + length,
                            $"a {type} fragment with no FIRST before it");
                        break;
                    }
                    AppendScratch(ref scratchLength, payload);
                    if (type == RecordType.Last)
                    {
                        LastRecordOffset = recordStart;
                        EndOfLastRecord = _blockStart + _pos;
                        record = _scratch.AsSpan(0, scratchLength);
                        return true;
                    }
                    break;
            }
        }
    }

    private void AppendScratch(ref int length, ReadOnlySpan<byte> payload)
    {
        if (length + payload.Length > _scratch.Length)
        {
            Array.Resize(ref _scratch, Math.Max(length + payload.Length, _scratch.Length * 2));
        }
        payload.CopyTo(_scratch.AsSpan(length));
        length += payload.Length;
    }

    private enum FragmentResult
    {
        Ok,
        Bad,
        Zeroed,
        Eof,
    }

    private FragmentResult ReadFragment(out RecordType type, out int start, out int length, out long offset)
    {
        type = default;
        start = length = 0;
        while (true)
        {
            offset = _blockStart + _pos;
            if (_blockLength - _pos < LogFormat.HeaderSize)
            {
                if (!_eof)
                {
                    // The rest of the block is its zero trailer; LevelDB's writer guarantees it.
                    ReadNextBlock();
                    continue;
                }
                if (_blockLength - _pos > 0)
                {
                    // A header cut short by the end of the file: the writer died while writing it.
                    _tornAt = offset;
                    _pos = _blockLength;
                }
                return FragmentResult.Eof;
            }
            ReadOnlySpan<byte> header = _block.AsSpan(_pos, LogFormat.HeaderSize);
            uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(header);
            int len = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
            byte rawType = header[6];
            if (rawType == (byte)RecordType.Zero && len == 0 && storedCrc == 0)
            {
                if (offset >= ZeroTailStart())
                {
                    // Zeros to the end of the file: space a mapped writer reserved and never reached
                    // (MappedAppendFile), the clean end of a live or killed WAL, not damage.
                    return EndDataAt(offset);
                }
                Report(LogProblemKind.ZeroedSpace, offset, _blockLength - _pos, "zero-filled space where a record should start");
                _pos = _blockLength;
                return FragmentResult.Zeroed;
            }
            if (LogFormat.HeaderSize + len > _blockLength - _pos)
            {
                // A torn write looks like a record running past the end of the file. But the writer never lets a
                // fragment cross its block, so a length past the block is damage whatever the file's end; and a
                // genuinely torn record is the last thing written, so a valid record after it means damage too.
                bool fitsBlock = LogFormat.HeaderSize + len <= LogFormat.BlockSize - _pos;
                if (_eof && fitsBlock && !ValidRecordFollows(_pos + 1))
                {
                    _tornAt = offset;
                    _pos = _blockLength;
                    return FragmentResult.Eof;
                }
                return Damaged(offset, len, _blockLength, $"a fragment length of {len} runs past its block");
            }
            ReadOnlySpan<byte> payloadWithType = _block.AsSpan(_pos + LogFormat.HeaderSize - 1, len + 1);
            uint actual = Checksum.Mask(Checksum.Compute(payloadWithType));
            if (actual != storedCrc)
            {
                // The length itself may be the damaged field, so nothing else in this block can be trusted.
                return Damaged(offset, len, _blockLength, "checksum mismatch");
            }
            if (rawType is < (byte)RecordType.Full or > (byte)RecordType.Last)
            {
                return Damaged(offset, len, _pos + LogFormat.HeaderSize + len, $"unknown fragment type {rawType}");
            }
            type = (RecordType)rawType;
            start = _pos + LogFormat.HeaderSize;
            length = len;
            _pos += LogFormat.HeaderSize + len;
            return FragmentResult.Ok;
        }
    }

    /// <summary>
    /// A bad fragment at <paramref name="offset"/> claiming <paramref name="length"/> payload bytes: the torn tail when
    /// zeros reach into it (<see cref="TornIntoZeros"/>), else corruption, reported, and reading goes on at
    /// <paramref name="resumeAt"/> in the block.
    /// </summary>
    private FragmentResult Damaged(long offset, int length, int resumeAt, string reason)
    {
        if (TornIntoZeros(offset, length))
        {
            return EndDataAt(offset, torn: true);
        }
        Report(LogProblemKind.Corruption, offset, resumeAt - _pos, reason);
        _pos = resumeAt;
        return FragmentResult.Bad;
    }

    /// <summary>
    /// True when the bad fragment at <paramref name="offset"/>, claiming <paramref name="length"/> payload bytes, is a
    /// copy into a mapped file cut short by the writer's death: zeros begin inside the fragment and run to the end of a
    /// file that goes on past it (the mapped writer's reserved space), and no good fragment follows it in its block. A
    /// damaged last record of a file that simply ends with it is not followed by zeros, and stays damage.
    /// </summary>
    private bool TornIntoZeros(long offset, int length)
    {
        long claimedEnd = offset + LogFormat.HeaderSize + length;
        // Strictly inside: a record whose every claimed byte is there was written whole, whatever its checksum says.
        return ZeroTailStart() < claimedEnd && claimedEnd < _file.Length && !ValidRecordFollows(_pos + 1);
    }

    /// <summary>Ends the file's data at <paramref name="offset"/>: the reader reads nothing past it. A torn fragment
    /// there is reported once as the torn tail, from the start of its record.</summary>
    private FragmentResult EndDataAt(long offset, bool torn = false)
    {
        _dataEnd = torn ? ZeroTailStart() : offset;
        if (torn)
        {
            _tornAt = offset;
        }
        _blockLength = _pos;
        _eof = true;
        return FragmentResult.Eof;
    }

    /// <summary>The offset where the zeros that run to the end of the file begin (the file's length when its last byte
    /// is not zero), read backwards from the end once.</summary>
    private long ZeroTailStart()
    {
        if (_zeroTail >= 0)
        {
            return _zeroTail;
        }
        // Not _scratch: it may hold the fragmented record being assembled. Once per file, at its damaged end.
        byte[] chunk = new byte[LogFormat.BlockSize];
        long end = _file.Length;
        while (end > 0)
        {
            int n = (int)Math.Min(chunk.Length, end);
            int read = _file.Read(end - n, chunk.AsSpan(0, n));
            int last = chunk.AsSpan(0, read).LastIndexOfAnyExcept((byte)0);
            if (last >= 0)
            {
                _zeroTail = end - n + last + 1;
                return _zeroTail;
            }
            end -= n;
        }
        _zeroTail = 0;
        return 0;
    }

    /// <summary>True when a fragment with a matching checksum starts anywhere in the block from <paramref name="from"/> on.</summary>
    private bool ValidRecordFollows(int from)
    {
        for (int p = from; p + LogFormat.HeaderSize <= _blockLength; p++)
        {
            int len = BinaryPrimitives.ReadUInt16LittleEndian(_block.AsSpan(p + 4));
            byte type = _block[p + 6];
            if (type is < (byte)RecordType.Full or > (byte)RecordType.Last || p + LogFormat.HeaderSize + len > _blockLength)
            {
                continue;
            }
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(_block.AsSpan(p));
            if (Checksum.Mask(Checksum.Compute(_block.AsSpan(p + LogFormat.HeaderSize - 1, len + 1))) == stored)
            {
                return true;
            }
        }
        return false;
    }

    private void ReadNextBlock()
    {
        _blockStart += LogFormat.BlockSize;
        _blockLength = _blockStart >= _file.Length ? 0 : _file.Read(_blockStart, _block);
        _pos = 0;
        if (_blockLength < LogFormat.BlockSize)
        {
            _eof = true;
        }
    }

    private void Report(LogProblemKind kind, long offset, long bytes, string reason) =>
        _onProblem(new LogProblem(kind, offset, bytes, reason));
}
