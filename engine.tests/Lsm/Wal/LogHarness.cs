using System.Buffers.Binary;
using System.Text;
using AimLsm.Kv.Common;
using AimLsm.Kv.IO;
using AimLsm.Kv.Wal;

namespace AimLsm.Tests.Lsm.Wal;

/// <summary>
/// LevelDB log_test's fixture: write records into an in-memory file, damage its bytes, read them back and collect
/// what the reader reported. Writes must all happen before the first damage or read.
/// </summary>
internal sealed class LogHarness
{
    private readonly MemFileSystem _fs = new();
    private readonly IWritableFile _file;
    private readonly LogWriter _writer;
    private LogReader? _reader;
    private IReadableFile? _readFile;

    public LogHarness()
    {
        _fs.CreateDirectory(Dir);
        _file = _fs.Create(FilePath);
        _writer = new LogWriter(_file);
    }

    public static string Dir => Path.Combine(Path.GetTempPath(), "aimlsm-logtest");

    public static string FilePath => Path.Combine(Dir, "000001.log");

    public List<LogProblem> Problems { get; } = [];

    public LogReader Reader => _reader ?? throw new InvalidOperationException("nothing read yet");

    public LogWriter Writer => _writer;

    public IWritableFile File => _file;

    public long WrittenBytes => _file.Length;

    public long DroppedBytes => Problems.Sum(p => p.BytesDropped);

    public void Write(string record) => _writer.AddRecord(System.Text.Encoding.Latin1.GetBytes(record));

    public void Write(ReadOnlySpan<byte> record) => _writer.AddRecord(record);

    /// <summary>The next record as a string, or "EOF".</summary>
    public string Read()
    {
        if (_reader is null)
        {
            _readFile = _fs.OpenRead(FilePath);
            _reader = new LogReader(_readFile, Problems.Add);
        }
        return _reader.ReadRecord(out ReadOnlySpan<byte> record) ? System.Text.Encoding.Latin1.GetString(record) : "EOF";
    }

    public byte[] Contents()
    {
        using IReadableFile f = _fs.OpenRead(FilePath);
        byte[] data = new byte[f.Length];
        f.Read(0, data);
        return data;
    }

    public void Replace(ReadOnlySpan<byte> contents)
    {
        using IWritableFile w = _fs.Create(FilePath);
        w.Append(contents);
    }

    public void Mutate(Action<byte[]> change)
    {
        byte[] data = Contents();
        change(data);
        Replace(data);
    }

    public void IncrementByte(int offset, int delta) => Mutate(d => d[offset] = unchecked((byte)(d[offset] + delta)));

    public void SetByte(int offset, byte value) => Mutate(d => d[offset] = value);

    public void ShrinkSize(int bytes)
    {
        byte[] data = Contents();
        Replace(data.AsSpan(0, data.Length - bytes));
    }

    /// <summary>Recomputes the CRC of the fragment whose header starts at <paramref name="headerOffset"/>.</summary>
    public void FixChecksum(int headerOffset, int length) => Mutate(d =>
    {
        uint crc = Checksum.ComputeMasked(d.AsSpan(headerOffset + 6, 1 + length));
        BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(headerOffset), crc);
    });

    public static string BigString(string partial, int n)
    {
        var sb = new StringBuilder(n + partial.Length);
        while (sb.Length < n)
        {
            sb.Append(partial);
        }
        return sb.ToString(0, n);
    }

    public static string NumberString(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".";

    /// <summary>LevelDB's RandomSkewedString: a length skewed towards small values, up to 2^17.</summary>
    public static string RandomSkewedString(int i, Random rnd)
    {
        int bits = rnd.Next(18);
        int len = rnd.Next(1 << bits);
        return BigString(NumberString(i), len);
    }

    public string ProblemsText() => string.Join("; ", Problems.Select(p => $"{p.Kind}@{p.Offset}+{p.BytesDropped}: {p.Reason}"));
}
