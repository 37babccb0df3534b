using System.Buffers.Binary;
using System.IO.Hashing;

namespace AimLsm.Remote;

/// <summary>What a frame is (docs/format.md 15.1).</summary>
internal enum FrameType : byte
{
    /// <summary>Client to server, first: the session id and who the client is.</summary>
    Hello = 1,

    /// <summary>Server to client, the answer to Hello: the last batch of the session already applied.</summary>
    Welcome = 2,

    /// <summary>Client to server: one batch of operations, numbered 1, 2, ... in its session.</summary>
    Batch = 3,

    /// <summary>Server to client: every batch up to the number is durable.</summary>
    Ack = 4,

    /// <summary>Server to client, last: why the server closes the connection.</summary>
    Error = 5,
}

/// <summary>Why a server refused a client (the code of an Error frame, docs/format.md 15.1).</summary>
public enum TrackingErrorCode : ushort
{
    /// <summary>A frame that does not parse: bad magic, version, checksum, or operation.</summary>
    MalformedFrame = 1,

    /// <summary>A frame over the server's limit.</summary>
    FrameTooLarge = 2,

    /// <summary>A batch names a run that another session holds.</summary>
    RunLocked = 3,

    /// <summary>A batch holds an operation the repo refuses (a value, a name or a step it cannot store).</summary>
    InvalidOperation = 4,

    /// <summary>A run created with a hash the server already has, with different content.</summary>
    RunConflict = 5,

    /// <summary>A batch names a run the server does not have.</summary>
    RunNotFound = 6,

    /// <summary>The server failed to apply or store a batch (its log says why).</summary>
    ServerError = 7,

    /// <summary>Another connection of the same session is open.</summary>
    SessionBusy = 8,
}

/// <summary>
/// The frame of the tracking protocol: one WebSocket binary message each (docs/format.md 15.1). Little-endian:
/// <code>
/// 0   4  magic "ALTF"
/// 4   1  version (2 written; 1 and 2 read)
/// 5   1  type (FrameType)
/// 6   2  flags (0; a reader refuses others)
/// 8   8  number: a Batch's number in its session, the highest durable one in an Ack, the last applied in a Welcome
/// 16  4  payload length n
/// 20  n  payload
/// 20+n 4 CRC-32 (IEEE, System.IO.Hashing) of bytes 0 .. 20+n
/// </code>
/// </summary>
internal static class TrackingFrame
{
    public const int HeaderBytes = 20;
    public const int TrailerBytes = 4;
    /// <summary>The version this build writes. 2 added the packed point (operation 14).</summary>
    public const byte Version = 2;

    /// <summary>The oldest version this build reads: a server answers a client in the version of its Hello.</summary>
    public const byte MinVersion = 1;

    /// <summary>The smallest frame limit a server may set: room for a batch of one large-ish value.</summary>
    public const int MinMaxFrameBytes = 64 << 10;

    private static ReadOnlySpan<byte> Magic => "ALTF"u8;

    /// <summary>Writes the header for a payload of <paramref name="payloadLength"/> bytes into the first
    /// <see cref="HeaderBytes"/> of <paramref name="frame"/>.</summary>
    public static void WriteHeader(Span<byte> frame, FrameType type, ulong number, int payloadLength, byte version = Version)
    {
        Magic.CopyTo(frame);
        frame[4] = version;
        frame[5] = (byte)type;
        BinaryPrimitives.WriteUInt16LittleEndian(frame[6..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[8..], number);
        BinaryPrimitives.WriteInt32LittleEndian(frame[16..], payloadLength);
    }

    /// <summary>Writes the checksum after header and payload; <paramref name="frame"/> is the whole frame.</summary>
    public static void Seal(Span<byte> frame)
    {
        int body = frame.Length - TrailerBytes;
        BinaryPrimitives.WriteUInt32LittleEndian(frame[body..], Checksum(frame[..body]));
    }

    /// <summary>A whole frame with <paramref name="payload"/>.</summary>
    public static byte[] Build(FrameType type, ulong number, ReadOnlySpan<byte> payload, byte version = Version)
    {
        byte[] frame = new byte[HeaderBytes + payload.Length + TrailerBytes];
        WriteHeader(frame, type, number, payload.Length, version);
        payload.CopyTo(frame.AsSpan(HeaderBytes));
        Seal(frame);
        return frame;
    }

    /// <summary>Checks a received frame and returns its type, number and payload.</summary>
    /// <exception cref="TrackingProtocolException">The frame is malformed; the message says what and at which offset.</exception>
    public static ReadOnlySpan<byte> Parse(ReadOnlySpan<byte> frame, out FrameType type, out ulong number) =>
        Parse(frame, out type, out number, out _);

    /// <summary>As <see cref="Parse(ReadOnlySpan{byte}, out FrameType, out ulong)"/>, and the frame's version.</summary>
    public static ReadOnlySpan<byte> Parse(ReadOnlySpan<byte> frame, out FrameType type, out ulong number, out byte version)
    {
        if (frame.Length < HeaderBytes + TrailerBytes)
        {
            throw Malformed($"a frame of {frame.Length} bytes is shorter than the {HeaderBytes + TrailerBytes}-byte header and checksum");
        }

        if (!frame[..4].SequenceEqual(Magic))
        {
            throw Malformed($"the frame starts with {Convert.ToHexString(frame[..4])}, not the magic 'ALTF' (offset 0)");
        }

        version = frame[4];
        if (version is < MinVersion or > Version)
        {
            throw new TrackingProtocolException(TrackingErrorCode.MalformedFrame,
                $"frame version {frame[4]} at offset 4; this build speaks versions {MinVersion} to {Version}");
        }

        type = (FrameType)frame[5];
        if (type is < FrameType.Hello or > FrameType.Error)
        {
            throw Malformed($"unknown frame type {frame[5]} at offset 5");
        }

        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(frame[6..]);
        if (flags != 0)
        {
            throw Malformed($"flags 0x{flags:x4} at offset 6; version {Version} defines none");
        }

        number = BinaryPrimitives.ReadUInt64LittleEndian(frame[8..]);
        int length = BinaryPrimitives.ReadInt32LittleEndian(frame[16..]);
        if (length < 0 || length != frame.Length - HeaderBytes - TrailerBytes)
        {
            throw Malformed($"the payload length at offset 16 says {length} bytes but the frame holds {frame.Length - HeaderBytes - TrailerBytes}");
        }

        int body = frame.Length - TrailerBytes;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(frame[body..]);
        uint actual = Checksum(frame[..body]);
        if (stored != actual)
        {
            throw Malformed($"checksum mismatch at offset {body}: stored 0x{stored:x8}, computed 0x{actual:x8}");
        }

        return frame.Slice(HeaderBytes, length);
    }

    private static uint Checksum(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(data);

    private static TrackingProtocolException Malformed(string message) => new(TrackingErrorCode.MalformedFrame, message);
}
