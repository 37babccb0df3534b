using System.Buffers.Binary;
using AimLsm.Kv.Common;
using AimLsm.Kv.IO;

namespace AimLsm.Kv.Wal;

/// <summary>
/// The WAL's record of how far it was made durable (docs/format.md, 5.6), written since DB format version 2.
/// <para>
/// After each fsync of a WAL the writer appends one such record saying "the first N bytes of this file were synced"
/// and hands it to the operating system (no second fsync: the next sync carries it). Recovery uses it to tell damage
/// over acknowledged data (before a synced offset: refused by default) from a power cut over data never acknowledged
/// (after the last synced offset: point-in-time recovery), which is what RocksDB's
/// <c>track_and_verify_wals_in_manifest</c> records in its MANIFEST. It lives in the WAL instead because a MANIFEST
/// record per sync would grow the MANIFEST by every synced write; since one bit flip damages one record, the record
/// after damaged data survives to testify.
/// </para>
/// <para>
/// Layout, 17 bytes, one log record: 8 zero bytes (where a write batch has its sequence number, which is never 0),
/// the kind byte <see cref="KindSyncPoint"/>, then the synced length as u64 LE. The record is written only after the
/// fsync returned, so it never claims more than was durable. DO NOT CHANGE these values.
/// </para>
/// </summary>
internal static class WalSyncPoint
{
    /// <summary>The record's length.</summary>
    public const int Size = 17;

    /// <summary>The kind byte of a sync point (the only metadata record kind so far).</summary>
    public const byte KindSyncPoint = 1;

    /// <summary>Encodes a sync point for <paramref name="syncedLength"/> into <paramref name="destination"/> (17 bytes).</summary>
    public static void Write(Span<byte> destination, long syncedLength)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, 0);
        destination[8] = KindSyncPoint;
        BinaryPrimitives.WriteUInt64LittleEndian(destination[9..], (ulong)syncedLength);
    }

    /// <summary>True when <paramref name="record"/> is a WAL metadata record (its first 8 bytes are zero) rather
    /// than a write batch.</summary>
    public static bool IsMetadata(ReadOnlySpan<byte> record) =>
        record.Length >= 9 && BinaryPrimitives.ReadUInt64LittleEndian(record) == 0;

    /// <summary>Reads a sync point; false when the metadata record is not a well-formed one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out long syncedLength)
    {
        syncedLength = 0;
        if (record.Length != Size || !IsMetadata(record) || record[8] != KindSyncPoint)
        {
            return false;
        }
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(record[9..]);
        if (value > long.MaxValue)
        {
            return false;
        }
        syncedLength = (long)value;
        return true;
    }

    /// <summary>
    /// The largest synced length claimed by a whole, checksummed sync point that starts at or after
    /// <paramref name="from"/> and claims more than <paramref name="from"/>; -1 when there is none. Scans the raw bytes
    /// at every offset rather than following the log reader: after a checksum mismatch the reader skips the rest of
    /// the block (the damaged length cannot be trusted), and the sync point that testifies to the damage is usually
    /// in that same block. A false match needs a 7-byte header, 8 zero bytes, the kind byte and a CRC32C to line up.
    /// </summary>
    public static long LargestClaimAfter(IReadableFile file, long from)
    {
        const int Fragment = LogFormat.HeaderSize + Size;
        long best = -1;
        byte[] buffer = new byte[LogFormat.BlockSize + Fragment];
        for (long start = Math.Max(0, from); start < file.Length; start += LogFormat.BlockSize)
        {
            int n = file.Read(start, buffer);
            for (int p = 0; p + Fragment <= n; p++)
            {
                ReadOnlySpan<byte> header = buffer.AsSpan(p, LogFormat.HeaderSize);
                if (header[6] != (byte)RecordType.Full || BinaryPrimitives.ReadUInt16LittleEndian(header[4..]) != Size
                    || buffer[p + LogFormat.HeaderSize + 8] != KindSyncPoint)
                {
                    continue;
                }
                ReadOnlySpan<byte> typeAndPayload = buffer.AsSpan(p + LogFormat.HeaderSize - 1, Size + 1);
                if (Checksum.Mask(Checksum.Compute(typeAndPayload)) == BinaryPrimitives.ReadUInt32LittleEndian(header)
                    && TryRead(typeAndPayload[1..], out long synced) && synced > from)
                {
                    best = Math.Max(best, synced);
                }
            }
        }
        return best;
    }
}
