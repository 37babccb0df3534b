using AimLsm.Kv;
using System.Buffers;
using System.Text;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.Lsm;

public class DbBasicsTests
{
    private static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Put_get_delete_flush_reopen()
    {
        using var dir = new TempDirectory();
        string path = dir.Sub("db");
        using (var db = Db.Open(path, new DbOptions { CreateIfMissing = true }))
        {
            db.Put(B("a"), B("1"));
            db.Put(B("b"), B("2"));
            db.Delete(B("a"));
            Assert.Null(db.Get(B("a")));
            Assert.Equal(B("2"), db.Get(B("b")));
            db.Flush();
            db.Put(B("c"), B("3"));
            Assert.Equal(B("2"), db.Get(B("b")));
        }
        using (var db = Db.Open(path))
        {
            Assert.Null(db.Get(B("a")));
            Assert.Equal(B("2"), db.Get(B("b")));
            Assert.Equal(B("3"), db.Get(B("c")));
            var w = new ArrayBufferWriter<byte>();
            Assert.True(db.TryGet(B("c"), w));
            Assert.Equal(B("3"), w.WrittenSpan.ToArray());
            using var it = db.NewIterator();
            var keys = new List<string>();
            for (it.SeekToFirst(); it.Valid; it.Next())
            {
                keys.Add(System.Text.Encoding.UTF8.GetString(it.Key));
            }
            Assert.Equal(new[] { "b", "c" }, keys);
        }
    }
}
