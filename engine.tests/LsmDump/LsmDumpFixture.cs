using AimLsm.Kv;
namespace AimLsm.Tests.LsmDump;

/// <summary>
/// The small example database the lsm-dump golden tests read: made by <see cref="Generate"/> from fixed keys and
/// values, committed under testdata/lsm-dump/db so its bytes (table creation times included) stay put, and
/// regenerated with the goldens when AIMLSM_REGENERATE_GOLDEN=1.
/// Final files: 000005.sst and 000007.sst (two flushes), 000006.log (a batch with binary bytes and a 40,000-byte
/// value cut into FIRST/LAST fragments), MANIFEST-000003, CURRENT, LOCK.
/// </summary>
public static class LsmDumpFixture
{
    /// <summary>True when the golden files and the fixture should be rewritten instead of compared.</summary>
    public static bool Regenerate => Environment.GetEnvironmentVariable("AIMLSM_REGENERATE_GOLDEN") == "1";

    private static readonly Lazy<string> s_dir = new(Prepare);

    /// <summary>The fixture database: the committed copy in the test output, or freshly regenerated in the source tree.</summary>
    public static string Dir => s_dir.Value;

    /// <summary>The testdata/lsm-dump folder: the source tree's when regenerating, the build output's otherwise.</summary>
    public static string TestData => Regenerate
        ? Path.Combine(SourceRoot(), "engine.tests", "testdata", "lsm-dump")
        : Path.Combine(AppContext.BaseDirectory, "testdata", "lsm-dump");

    private static string Prepare()
    {
        string dir = Path.Combine(TestData, "db");
        if (Regenerate)
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
            Generate(dir);
        }
        return dir;
    }

    /// <summary>Writes the example database into <paramref name="dir"/> (which must not exist or be empty).</summary>
    public static void Generate(string dir)
    {
        var options = new DbOptions
        {
            CreateIfMissing = true,
            BlockSize = 256,
            BloomFilterBitsPerKey = 10,
            Compression = Compression.Lz4,
            DisableAutoCompactions = true,
        };
        using (var db = Db.Open(dir, options))
        {
            for (int i = 0; i < 30; i++)
            {
                db.Put(Bytes($"key{i:D3}"), Bytes($"value-{i:D3}-abcdefghabcdefghabcdefghabcdefgh"));
            }
            db.Delete("key005"u8);
            db.DeleteRange("key010"u8, "key013"u8);
            db.Flush();
            db.Put("key030"u8, "x"u8);
            db.Put("key001"u8, "updated"u8);
            db.Delete("key002"u8);
            db.Flush();
            db.Write(new WriteBatch().Put([0x62, 0x69, 0x6e, 0x00, 0xff], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).Delete("key003"u8));
            var big = new byte[40_000];
            for (int i = 0; i < big.Length; i++)
            {
                big[i] = (byte)('a' + (i % 26));
            }
            db.Put("big"u8, big);
        }
    }

    private static byte[] Bytes(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    /// <summary>The repository root (where AimLsm.sln is), found from the test binary's folder.</summary>
    public static string SourceRoot()
    {
        for (string? d = AppContext.BaseDirectory; d is not null; d = Path.GetDirectoryName(d))
        {
            if (File.Exists(Path.Combine(d, "AimLsm.sln")))
            {
                return d;
            }
        }
        throw new InvalidOperationException("AimLsm.sln not found above " + AppContext.BaseDirectory);
    }
}
