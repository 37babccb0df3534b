using AimLsm.Kv;
using System.Text;
using AimLsm.Kv.IO;
using AimLsm.Kv.Versions;
using AimLsm.Tools.LsmDump.Cli;

namespace AimLsm.Tools.LsmDump.Inspect;

/// <summary>
/// Finding and classifying a database's files without opening the database: no LOCK is taken and nothing is
/// written, so it works while another process has the database open for writing.
/// </summary>
internal static class DbFiles
{
    public static IFileSystem Fs => DiskFileSystem.Instance;

    /// <summary>Throws <see cref="BadInputException"/> unless <paramref name="path"/> is an existing file.</summary>
    public static void RequireFile(string command, string path)
    {
        if (Directory.Exists(path))
        {
            throw new BadInputException($"{command}: '{path}' is a directory; give a file");
        }
        if (!File.Exists(path))
        {
            throw new BadInputException($"{command}: '{path}' does not exist");
        }
    }

    /// <summary>Throws <see cref="BadInputException"/> unless <paramref name="dir"/> is a directory holding CURRENT.</summary>
    public static void RequireDatabase(string command, string dir)
    {
        if (File.Exists(dir))
        {
            throw new BadInputException($"{command}: '{dir}' is a file; give a database directory");
        }
        if (!Directory.Exists(dir))
        {
            throw new BadInputException($"{command}: '{dir}' does not exist");
        }
        if (!File.Exists(Path.Combine(dir, FileNames.Current)))
        {
            throw new BadInputException($"{command}: '{dir}' is not an AimLsm database: it has no CURRENT file");
        }
    }

    /// <summary>Throws <see cref="BadInputException"/> when the file's name says it is of another kind than <paramref name="expected"/>.</summary>
    public static void RequireKind(string command, string path, FileKind expected)
    {
        FileKind kind = FileNames.Parse(Path.GetFileName(path), out _);
        // A WAL kept aside by recovery is still a WAL to read.
        if (kind == FileKind.DamagedWal && expected == FileKind.Wal)
        {
            return;
        }
        if (kind != FileKind.Unknown && kind != expected)
        {
            throw new BadInputException($"{command}: '{path}' is {Describe(kind)}, not {Describe(expected)}{Hint(kind)}");
        }
    }

    private static string Hint(FileKind kind) => kind switch
    {
        FileKind.Wal => " (try: lsm-dump wal)",
        FileKind.Table => " (try: lsm-dump sst)",
        FileKind.Manifest => " (try: lsm-dump manifest)",
        _ => "",
    };

    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Wal => "a WAL file",
        FileKind.Table => "an SSTable",
        FileKind.Manifest => "a MANIFEST",
        FileKind.Current => "the CURRENT file",
        FileKind.Lock => "the LOCK file",
        FileKind.Temp => "a temporary file",
        _ => "an unknown file",
    };

    /// <summary>The MANIFEST file name CURRENT holds; damage is a <see cref="CorruptionException"/> naming CURRENT.</summary>
    public static string ReadCurrent(string dir)
    {
        string path = Path.Combine(dir, FileNames.Current);
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length is 0 or > 4096)
        {
            throw new CorruptionException(path, 0, $"CURRENT is {bytes.Length} bytes; it should hold one MANIFEST file name");
        }
        string text = System.Text.Encoding.UTF8.GetString(bytes);
        if (!text.EndsWith('\n'))
        {
            throw new CorruptionException(path, bytes.Length, "CURRENT does not end with a newline (truncated?)");
        }
        string name = text[..^1];
        if (FileNames.Parse(name, out _) != FileKind.Manifest)
        {
            throw new CorruptionException(path, 0, $"CURRENT names '{name}', which is not a MANIFEST file name");
        }
        if (!File.Exists(Path.Combine(dir, name)))
        {
            throw new CorruptionException(path, 0, $"CURRENT names {name}, which does not exist");
        }
        return name;
    }

    /// <summary>The database's files by name, sorted, with their kinds and numbers.</summary>
    public static List<(string Name, FileKind Kind, ulong Number, long Size)> List(string dir)
    {
        var files = new List<(string, FileKind, ulong, long)>();
        foreach (string path in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(path);
            FileKind kind = FileNames.Parse(name, out ulong number);
            long size;
            try
            {
                size = new FileInfo(path).Length;
            }
            catch (FileNotFoundException)
            {
                continue; // deleted by the writer while we listed
            }
            files.Add((name, kind, number, size));
        }
        return files;
    }
}
