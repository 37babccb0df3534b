namespace AimLsm.Kv.Wal;

/// <summary>
/// Constants of the log format shared by WAL files and the MANIFEST: LevelDB's and RocksDB's, byte for byte
/// (docs/format.md, "Log files"). A file is a sequence of 32 KiB blocks; a record is split into fragments that
/// never cross a block, each behind a 7-byte header: masked CRC32C (u32 LE) of the type byte and payload,
/// payload length (u16 LE), type (u8). DO NOT CHANGE these values.
/// </summary>
internal static class LogFormat
{
    public const int BlockSize = 32 * 1024;
    public const int HeaderSize = 7;
}

/// <summary>A fragment's type byte (the values are part of the format).</summary>
internal enum RecordType : byte
{
    /// <summary>Preallocated or zero-filled space; never written by the engine.</summary>
    Zero = 0,
    Full = 1,
    First = 2,
    Middle = 3,
    Last = 4,
}
