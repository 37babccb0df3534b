using System.Globalization;

namespace AimLsm.Kv.Versions;

/// <summary>The kinds of file in a database directory. Names follow RocksDB's (docs/format.md, "Files").</summary>
internal enum FileKind
{
    Unknown,
    Wal,
    Table,
    Manifest,
    Current,
    Lock,
    Temp,

    /// <summary>A WAL that recovery dropped records of, kept aside for inspection (<c>NNNNNN.log.damaged</c>); never
    /// replayed, never deleted by the engine.</summary>
    DamagedWal,
}

/// <summary>Builds and parses the names of a database's files: <c>000123.log</c>, <c>000124.sst</c>, <c>MANIFEST-000125</c>, <c>CURRENT</c>, <c>LOCK</c>.</summary>
internal static class FileNames
{
    public const string Current = "CURRENT";
    public const string Lock = "LOCK";

    public static string Wal(ulong number) => number.ToString("D6", CultureInfo.InvariantCulture) + ".log";

    public static string Table(ulong number) => number.ToString("D6", CultureInfo.InvariantCulture) + ".sst";

    public static string Manifest(ulong number) => "MANIFEST-" + number.ToString("D6", CultureInfo.InvariantCulture);

    public static string DamagedWal(ulong number) => Wal(number) + ".damaged";

    public static string Temp(ulong number) => number.ToString("D6", CultureInfo.InvariantCulture) + ".dbtmp";

    /// <summary>Recognizes a file name; <paramref name="number"/> is 0 for files without one.</summary>
    public static FileKind Parse(string name, out ulong number)
    {
        number = 0;
        if (name == Current)
        {
            return FileKind.Current;
        }
        if (name == Lock)
        {
            return FileKind.Lock;
        }
        if (name.StartsWith("MANIFEST-", StringComparison.Ordinal))
        {
            return ulong.TryParse(name.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out number) ? FileKind.Manifest : FileKind.Unknown;
        }
        int dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !ulong.TryParse(name.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out number))
        {
            return FileKind.Unknown;
        }
        return name.AsSpan(dot) switch
        {
            ".log" => FileKind.Wal,
            ".sst" => FileKind.Table,
            ".dbtmp" => FileKind.Temp,
            ".log.damaged" => FileKind.DamagedWal,
            _ => FileKind.Unknown,
        };
    }
}
