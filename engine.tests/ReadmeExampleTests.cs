using System.Text;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests;

/// <summary>The README's usage example, compiled and run, so that it cannot rot.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void Usage_example_runs_as_written()
    {
        using var dir = new TempDirectory();
        Directory.SetCurrentDirectory(dir.Path);
        var lines = new List<string>();

        using var db = Db.Open("./my.db", new DbOptions { CreateIfMissing = true });
        db.Put("run/42/loss"u8, "0.731"u8);
        db.Write(new WriteBatch().Put("a"u8, "1"u8).Delete("b"u8).DeleteRange("c"u8, "d"u8), new WriteOptions { Sync = true });
        byte[]? v = db.Get("run/42/loss"u8);

        using var snap = db.GetSnapshot();
        using var it = db.NewIterator(new ReadOptions { Snapshot = snap, LowerBound = "run/"u8.ToArray(), UpperBound = "run0"u8.ToArray() });
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            lines.Add($"{Encoding.UTF8.GetString(it.Key)} = {Encoding.UTF8.GetString(it.Value)}");
        }
        db.Flush();

        Assert.Equal("0.731"u8.ToArray(), v);
        Assert.Equal(["run/42/loss = 0.731"], lines);
    }
}
