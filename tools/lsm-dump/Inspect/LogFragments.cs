using System.Buffers.Binary;
using AimLsm.Kv.IO;
using AimLsm.Kv.Wal;

namespace AimLsm.Tools.LsmDump.Inspect;

/// <summary>
/// The fragments (docs/format.md 5.1) of one record that <see cref="LogReader"/> has already validated, read back
/// from their headers: the reader returns whole records, lsm-dump also shows how each was cut.
/// </summary>
internal static class LogFragments
{
    public static string TypeName(byte type) => type switch
    {
        0 => "ZERO",
        1 => "FULL",
        2 => "FIRST",
        3 => "MIDDLE",
        4 => "LAST",
        _ => "TYPE" + type,
    };

    /// <summary>Fragments of the record whose first header is at <paramref name="offset"/>.</summary>
    public static List<(long Offset, int Length, byte Type)> Of(IReadableFile file, long offset)
    {
        var list = new List<(long, int, byte)>();
        Span<byte> header = stackalloc byte[LogFormat.HeaderSize];
        long pos = offset;
        while (true)
        {
            long left = LogFormat.BlockSize - (pos % LogFormat.BlockSize);
            if (left < LogFormat.HeaderSize)
            {
                pos += left;
            }
            if (file.Read(pos, header) != header.Length)
            {
                return list;
            }
            int length = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
            byte type = header[6];
            list.Add((pos, length, type));
            pos += LogFormat.HeaderSize + length;
            if (type is not (2 or 3) || list.Count > 1_000_000)
            {
                return list;
            }
        }
    }
}
