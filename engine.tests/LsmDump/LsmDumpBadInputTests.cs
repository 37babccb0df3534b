using AimLsm.Kv;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.LsmDump;

/// <summary>
/// Bad input gets one clear line on stderr and a non-zero exit code, never a stack trace: exit 2 for usage errors,
/// missing paths, folders that are not databases and files of the wrong kind; exit 1 for damaged files.
/// </summary>
public sealed class LsmDumpBadInputTests : IDisposable
{
    private readonly TempDirectory _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>A private copy of the fixture database, safe to damage.</summary>
    private string CopyOfFixture() => _tmp.CopyOf(LsmDumpFixture.Dir, "db");

    private void AssertFails(int exitCode, string expectedStderr, params string[] args)
    {
        LsmDumpRunner.Result r = LsmDumpRunner.Run(args);
        string stderr = r.Stderr.Replace(_tmp.Path, "<tmp>", StringComparison.Ordinal);
        Assert.Equal(expectedStderr + "\n", stderr);
        Assert.Equal(exitCode, r.ExitCode);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
    }

    private static void Flip(string path, long offset)
    {
        byte[] b = File.ReadAllBytes(path);
        b[offset] ^= 0x40;
        File.WriteAllBytes(path, b);
    }

    [Fact]
    public void No_arguments_prints_usage_and_exits_2()
    {
        LsmDumpRunner.Result r = LsmDumpRunner.Run();
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("usage: lsm-dump", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_command() =>
        AssertFails(2, "lsm-dump: unknown command 'frobnicate'; commands: wal, sst, manifest, db, scan, verify (lsm-dump --help)", "frobnicate");

    [Fact]
    public void Unknown_option() =>
        AssertFails(2, "lsm-dump sst: unknown option '--colour' (see lsm-dump sst --help)", "sst", "x.sst", "--colour");

    [Fact]
    public void Unknown_format() =>
        AssertFails(2, "lsm-dump wal: unknown --format 'yaml'; known: aim, escaped, hex", "wal", "x.log", "--format", "yaml");

    [Fact]
    public void Missing_path_argument() =>
        AssertFails(2, "lsm-dump db: missing DIR (see lsm-dump db --help)", "db");

    [Fact]
    public void Missing_file() =>
        AssertFails(2, "lsm-dump wal: '<tmp>/nope.log' does not exist", "wal", _tmp.Sub("nope.log"));

    [Fact]
    public void Folder_that_is_not_a_database() =>
        AssertFails(2, "lsm-dump db: '<tmp>' is not an AimLsm database: it has no CURRENT file", "db", _tmp.Path);

    [Fact]
    public void Scan_of_a_missing_folder() =>
        AssertFails(2, "lsm-dump scan: '<tmp>/none' does not exist", "scan", _tmp.Sub("none"));

    [Fact]
    public void Directory_given_where_a_file_is_wanted() =>
        AssertFails(2, "lsm-dump sst: '<tmp>' is a directory; give a file", "sst", _tmp.Path);

    [Fact]
    public void File_of_the_wrong_kind()
    {
        string db = CopyOfFixture();
        AssertFails(2, "lsm-dump wal: '<tmp>/db/000005.sst' is an SSTable, not a WAL file (try: lsm-dump sst)", "wal", Path.Combine(db, "000005.sst"));
        AssertFails(2, "lsm-dump sst: '<tmp>/db/MANIFEST-000003' is a MANIFEST, not an SSTable (try: lsm-dump manifest)", "sst", Path.Combine(db, "MANIFEST-000003"));
    }

    [Fact]
    public void Garbage_sst()
    {
        string path = _tmp.Sub("000009.sst");
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 100).Select(i => (byte)i)]);
        AssertFails(1, "lsm-dump sst: corruption in '<tmp>/000009.sst' at offset 92: bad magic number: not an AimLsm SSTable, or truncated", "sst", path);
    }

    [Fact]
    public void Truncated_sst()
    {
        string path = _tmp.Sub("000009.sst");
        File.WriteAllBytes(path, [1, 2, 3]);
        AssertFails(1, "lsm-dump sst: corruption in '<tmp>/000009.sst' at offset 0: the file is 3 bytes, shorter than an SSTable footer (57)", "sst", path);
    }

    [Fact]
    public void Damaged_current()
    {
        string db = CopyOfFixture();
        File.WriteAllText(Path.Combine(db, "CURRENT"), "MANIFEST-000003");
        AssertFails(1, "lsm-dump db: corruption in '<tmp>/db/CURRENT' at offset 15: CURRENT does not end with a newline (truncated?)", "db", db);
    }

    [Fact]
    public void Verify_of_a_clean_database_exits_0()
    {
        LsmDumpRunner.Result r = LsmDumpRunner.Run("verify", CopyOfFixture());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("result: ok", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_lists_a_damaged_data_block_with_file_and_offset_and_exits_1()
    {
        string db = CopyOfFixture();
        Flip(Path.Combine(db, "000005.sst"), 10);
        LsmDumpRunner.Result r = LsmDumpRunner.Run("verify", db);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"corruption file={Path.Combine(db, "000005.sst")} offset=0 reason='block checksum mismatch'", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("result: corrupt", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_lists_a_damaged_wal_record_and_exits_1()
    {
        string db = CopyOfFixture();
        Flip(Path.Combine(db, "000006.log"), 20);
        LsmDumpRunner.Result r = LsmDumpRunner.Run("verify", Path.Combine(db, "000006.log"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("corruption file=" + Path.Combine(db, "000006.log") + " offset=0 reason='Corruption: ", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_reports_a_torn_wal_tail_and_wal_shows_it_with_its_offset()
    {
        string db = CopyOfFixture();
        string wal = Path.Combine(db, "000006.log");
        byte[] b = File.ReadAllBytes(wal);
        File.WriteAllBytes(wal, b[..(b.Length - 100)]);
        LsmDumpRunner.Result single = LsmDumpRunner.Run("verify", wal);
        Assert.Equal(1, single.ExitCode);
        Assert.Contains("reason='TruncatedTail: ", single.Stdout, StringComparison.Ordinal);
        // In a database the newest WAL's torn tail is what a writer mid-append leaves: a note, not damage.
        LsmDumpRunner.Result whole = LsmDumpRunner.Run("verify", db);
        Assert.Equal(0, whole.ExitCode);
        Assert.Contains("note file=", whole.Stdout, StringComparison.Ordinal);
        LsmDumpRunner.Result dump = LsmDumpRunner.Run("wal", wal);
        Assert.Equal(0, dump.ExitCode);
        Assert.Contains("problem offset=", dump.Stdout, StringComparison.Ordinal);
        Assert.Contains("problem=TruncatedTail", dump.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_reports_a_missing_live_table()
    {
        string db = CopyOfFixture();
        File.Delete(Path.Combine(db, "000007.sst"));
        LsmDumpRunner.Result r = LsmDumpRunner.Run("verify", db);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("live table 7 named by MANIFEST-000003 is missing", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Works_while_the_database_is_open_for_writing()
    {
        string db = _tmp.Sub("live");
        using var open = Db.Open(db, new DbOptions { CreateIfMissing = true });
        open.Put("k"u8, "v"u8);
        open.Flush();
        open.Put("k2"u8, "v2"u8);
        LsmDumpRunner.Result scan = LsmDumpRunner.Run("scan", db);
        Assert.Equal(0, scan.ExitCode);
        Assert.Contains("put key=\"k2\" value=\"v2\"", scan.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, LsmDumpRunner.Run("verify", db).ExitCode);
        Assert.Equal(0, LsmDumpRunner.Run("db", db).ExitCode);
        open.Put("k3"u8, "v3"u8); // the writer is undisturbed
        Assert.Equal("v3"u8.ToArray(), open.Get("k3"u8));
    }

    [Fact]
    public void Generator_still_makes_what_the_committed_fixture_holds()
    {
        string fresh = _tmp.Sub("fresh");
        LsmDumpFixture.Generate(fresh);
        Assert.Equal(LsmDumpRunner.Run("scan", LsmDumpFixture.Dir).Stdout, LsmDumpRunner.Run("scan", fresh).Stdout);
        Assert.Equal(
            LsmDumpRunner.Run("wal", Path.Combine(LsmDumpFixture.Dir, "000006.log")).Stdout.Replace(LsmDumpFixture.Dir, "", StringComparison.Ordinal),
            LsmDumpRunner.Run("wal", Path.Combine(fresh, "000006.log")).Stdout.Replace(fresh, "", StringComparison.Ordinal));
    }
}
