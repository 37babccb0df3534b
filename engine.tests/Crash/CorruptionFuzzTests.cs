using AimLsm.Kv;
using System.Diagnostics;
using System.Text;
using AimLsm.Kv.IO;
using AimLsm.Tests.Testing;
using Xunit.Abstractions;

namespace AimLsm.Tests.Crash;

/// <summary>
/// Corruption fuzzing (LevelDB's corruption_test, at random): build a small database with tables, a MANIFEST and a
/// WAL, flip a random bit in, or truncate at a random offset, one of its WAL, SST, MANIFEST or CURRENT files, then
/// reopen under a random WAL recovery mode and read everything (a point read of every key, full forward and backward
/// iteration). Each read must return the right value; or, for WAL damage that the mode allows to drop, a missing
/// key that fits (a prefix of the WAL's batches under PointInTime and TolerateCorruptedTailRecords, whole batches
/// under SkipAnyCorruptedRecords); or throw a <see cref="CorruptionException"/> that names the damaged file. Never a
/// wrong value, never another exception type. CI: 600 cases; AIMLSM_CORRUPTION_CASES=N or AIMLSM_SOAK=1 (20,000).
/// </summary>
public class CorruptionFuzzTests(ITestOutputHelper output)
{
    private const string Dir = "/db";

    private static int Cases() =>
        int.TryParse(Environment.GetEnvironmentVariable("AIMLSM_CORRUPTION_CASES"), out int n) ? n
        : Environment.GetEnvironmentVariable("AIMLSM_SOAK") == "1" ? 20000 : 600;

    public enum Target
    {
        Wal,
        Sst,
        Manifest,
        Current,
    }

    private sealed record Outcome(bool OpenRefused, int ReadsRight, int ReadsRefused, int WalBatchesDropped);

    [Theory]
    [InlineData("Wal", false, "not-tolerate")]
    [InlineData("Wal", false, "tolerate")]
    [InlineData("Wal", true, "any")]
    [InlineData("Sst", false, "any")]
    [InlineData("Sst", true, "any")]
    [InlineData("Manifest", false, "any")]
    [InlineData("Manifest", true, "any")]
    [InlineData("Current", false, "any")]
    [InlineData("Current", true, "any")]
    public void Damage_is_detected_or_handled_as_the_recovery_mode_says_never_returned(string file, bool truncate, string modes)
    {
        var target = Enum.Parse<Target>(file);
        int cases = Cases() / 8;
        int seed = Environment.TickCount ^ (int)target ^ (truncate ? 0x100 : 0);
        var rng = new Random(seed);
        var counts = new Dictionary<string, int>();
        var failures = new List<string>();
        var watch = Stopwatch.StartNew();
        for (int c = 0; c < cases && failures.Count < 10; c++)
        {
            int caseSeed = rng.Next();
            try
            {
                string what = RunCase(caseSeed, target, truncate, out Outcome o, modes);
                string key = what + (o.OpenRefused ? " -> open refused" : o.ReadsRefused > 0 ? " -> reads refused" : o.WalBatchesDropped > 0 ? " -> WAL batches dropped" : " -> read correctly");
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
            catch (Exception e)
            {
                failures.Add($"case seed {caseSeed}: {e.GetType().Name}: {e.Message}");
            }
        }
        output.WriteLine($"corruption fuzz, {target} {(truncate ? "truncated" : "bit-flipped")}: {cases} cases in {watch.Elapsed.TotalSeconds:F1} s (seed {seed})");
        foreach ((string k, int n) in counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {n,5}  {k}");
        }
        Assert.True(failures.Count == 0, $"replay a case with CorruptionFuzzTests.Replay(\"{file}\", {(truncate ? "true" : "false")}, seed):\n" + string.Join("\n", failures));
    }

    /// <summary>Replays one case of the fuzz test by its case seed (paste it from a failure message).</summary>
    [Theory]
    [InlineData("Wal", true, 1)]
    [InlineData("Manifest", false, 797090617)]
    [InlineData("Manifest", false, 985069104)]
    [InlineData("Wal", false, 15300547)]
    public void Replay(string file, bool truncate, int caseSeed) => RunCase(caseSeed, Enum.Parse<Target>(file), truncate, out _);

    /// <summary>Builds, damages, reopens and reads one database; throws on any broken promise. Returns what it did.</summary>
    private static string RunCase(int caseSeed, Target target, bool truncate, out Outcome outcome, string modes = "any")
    {
        var rng = new Random(caseSeed);
        var fs = new MemFileSystem();
        var options = new DbOptions
        {
            CreateIfMissing = true,
            FileSystem = fs,
            WriteBufferSize = rng.Next(4, 33) * 1024,
            BlockSize = new[] { 256, 512, 1024, 4096 }[rng.Next(4)],
            BlockRestartInterval = rng.Next(1, 17),
            Compression = rng.Next(2) == 0 ? Compression.None : Compression.Lz4,
            BloomFilterBitsPerKey = rng.Next(2) == 0 ? 0 : 10,
            Level0FileNumCompactionTrigger = rng.Next(2, 5),
            BlockCacheSize = rng.Next(2) == 0 ? 0 : 1 << 20,
        };

        // Tables: keys overwritten and deleted across several flushes (and maybe a full compaction).
        var model = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var walBatches = new List<List<(string Key, byte[] Value)>>();
        using (Db db = Db.Open(Dir, options))
        {
            int n = rng.Next(100, 1500);
            for (int i = 0; i < n; i++)
            {
                string k = $"s{rng.Next(400):D4}";
                if (rng.Next(10) == 0)
                {
                    db.Delete(B(k));
                    model.Remove(k);
                }
                else
                {
                    byte[] v = ValueFor(k, i, rng.Next(0, 120));
                    db.Put(B(k), v);
                    model[k] = v;
                }
                if (rng.Next(300) == 0)
                {
                    db.Flush();
                }
            }
            db.Flush();
            if (rng.Next(3) == 0)
            {
                db.CompactRange();
            }
            // The WAL: batches of new keys, so each batch's presence is visible and checkable.
            int batches = rng.Next(1, 40);
            for (int b = 0; b < batches; b++)
            {
                var batch = new WriteBatch();
                var entries = new List<(string, byte[])>();
                for (int j = rng.Next(1, 5); j > 0; j--)
                {
                    string k = $"w{b:D3}-{j}";
                    byte[] v = ValueFor(k, b, rng.Next(0, 200));
                    batch.Put(B(k), v);
                    entries.Add((k, v));
                }
                db.Write(batch, new WriteOptions { Sync = b == batches - 1 });
                walBatches.Add(entries);
            }
        }

        // Damage one file.
        var files = fs.ListFiles(Dir).Where(f => f != "LOCK").Order(StringComparer.Ordinal).ToList();
        string? name = target switch
        {
            Target.Wal => Pick(rng, files.Where(f => f.EndsWith(".log", StringComparison.Ordinal)).ToList()),
            Target.Sst => Pick(rng, files.Where(f => f.EndsWith(".sst", StringComparison.Ordinal)).ToList()),
            Target.Manifest => Pick(rng, files.Where(f => f.StartsWith("MANIFEST-", StringComparison.Ordinal)).ToList()),
            _ => "CURRENT",
        };
        if (name is null)
        {
            outcome = new Outcome(false, 0, 0, 0);
            return $"{target} absent";
        }
        string path = Path.GetFullPath(Path.Combine(Dir, name));
        // What the WAL's sync points say was synced, read before the damage (docs/format.md 5.6), and whether a newer
        // WAL follows it (a memtable switch synced it whole): damage there is refused by VerifySyncedWal.
        long synced = -1;
        bool newestWal = false;
        if (target == Target.Wal)
        {
            using (IReadableFile undamaged = fs.OpenRead(path))
            {
                synced = AimLsm.Kv.Wal.WalSyncPoint.LargestClaimAfter(undamaged, -1);
            }
            newestWal = name == files.Where(f => f.EndsWith(".log", StringComparison.Ordinal)).Max(StringComparer.Ordinal);
        }
        byte[] bytes = FsBytes.Read(fs, path);
        truncate |= bytes.Length == 0;
        long offset = bytes.Length == 0 ? 0 : rng.NextInt64(bytes.Length);
        int bit = rng.Next(8);
        if (truncate)
        {
            FsBytes.Truncate(fs, path, offset);
        }
        else
        {
            bytes[offset] ^= (byte)(1 << bit);
            FsBytes.Write(fs, path, bytes);
        }
        var mode = (WalRecoveryMode)rng.Next(4);
        if (modes == "tolerate")
        {
            mode = WalRecoveryMode.TolerateCorruptedTailRecords;
        }
        else if (modes == "not-tolerate" && mode == WalRecoveryMode.TolerateCorruptedTailRecords)
        {
            mode = WalRecoveryMode.PointInTime;
        }
        options.WalRecoveryMode = mode;
        // Half the point-in-time cases check synced bytes (the default), half accept any loss (the old behaviour).
        options.VerifySyncedWal = mode != WalRecoveryMode.PointInTime || rng.Next(2) == 0;
        string what = $"{target} {(truncate ? "truncated" : "bit-flipped")}";
        string context = $"{name} {(truncate ? $"truncated at {offset} of {bytes.Length}" : $"bit {bit} of byte {offset} of {bytes.Length} flipped")}, recovery {mode}"
            + (mode == WalRecoveryMode.PointInTime ? $", VerifySyncedWal {options.VerifySyncedWal}, synced to {synced}" : "");

        // Reopen. Refusing is always allowed, if it names the damaged file; WAL damage must open under the modes that
        // drop damaged records, and a truncated WAL (a torn tail) also under TolerateCorruptedTailRecords.
        Db reopened;
        try
        {
            reopened = Db.Open(Dir, options);
        }
        catch (CorruptionException e)
        {
            Check(Path.GetFullPath(e.File) == path, $"open refused naming {e.File}, not the damaged file ({context}): {e.Message}");
            // PointInTime refuses damage in synced bytes unless told to accept it; damage after the last sync point
            // of the newest WAL is a power cut's, and must open.
            bool pointInTimeMustOpen = !options.VerifySyncedWal || (newestWal && offset >= synced);
            bool walMustOpen = target == Target.Wal
                && ((mode == WalRecoveryMode.PointInTime && pointInTimeMustOpen) || mode == WalRecoveryMode.SkipAnyCorruptedRecords
                    || (mode == WalRecoveryMode.TolerateCorruptedTailRecords && truncate));
            Check(!walMustOpen, $"open refused WAL damage that {mode} recovery should handle ({context}): {e.Message}");
            outcome = new Outcome(true, 0, 0, 0);
            return what;
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"open threw {e.GetType().Name}, not CorruptionException ({context}): {e}");
        }

        using (reopened)
        {
            // Which WAL batches survived: each all or nothing, and (but for salvage mode) a prefix.
            var present = new List<bool>();
            foreach (List<(string Key, byte[] Value)> batch in walBatches)
            {
                int have = batch.Count(e => Get(reopened, e.Key, path, context) is not null);
                int unknown = batch.Count(e => Refuses(reopened, e.Key));
                if (unknown > 0)
                {
                    present.Add(true); // a refused read says nothing; such a batch is checked by the reads below
                    continue;
                }
                Check(have == 0 || have == batch.Count, $"a WAL batch was partly recovered: {have} of {batch.Count} keys ({context})");
                present.Add(have > 0);
            }
            int dropped = present.Count(p => !p);
            if (dropped > 0)
            {
                // A WAL cut exactly at a record boundary looks like a shorter log to any mode: undetectable without the
                // synced WAL length on record (RocksDB's track_and_verify_wals_in_manifest), so truncation may drop.
                Check(target == Target.Wal && (mode != WalRecoveryMode.AbsoluteConsistency || truncate),
                    $"{dropped} WAL batches silently lost to damage in {name} ({context})");
                // TolerateCorruptedTailRecords drops only a torn tail: after a bit flip (not a truncation) at most the
                // last record may pass for torn; anything earlier it must refuse.
                Check(mode != WalRecoveryMode.TolerateCorruptedTailRecords || truncate || present.Take(present.Count - 1).All(p => p),
                    $"TolerateCorruptedTailRecords silently dropped {dropped} synced WAL batches after a bit flip ({context})");
                Check(mode == WalRecoveryMode.SkipAnyCorruptedRecords || present.SkipWhile(p => p).All(p => !p),
                    $"the recovered WAL batches are not a prefix: {string.Join("", present.Select(p => p ? '1' : '0'))} ({context})");
            }
            var expected = new SortedDictionary<string, byte[]>(model, StringComparer.Ordinal);
            for (int b = 0; b < walBatches.Count; b++)
            {
                if (present[b])
                {
                    foreach ((string k, byte[] v) in walBatches[b])
                    {
                        expected[k] = v;
                    }
                }
            }

            int right = 0, refused = 0;
            foreach ((string k, byte[] v) in expected)
            {
                try
                {
                    byte[]? got = reopened.Get(B(k));
                    Check(got is not null && got.AsSpan().SequenceEqual(v),
                        $"Get({k}) returned {(got is null ? "nothing" : "a wrong value")} ({context})");
                    right++;
                }
                catch (CorruptionException e)
                {
                    Check(Path.GetFullPath(e.File) == path, $"Get({k}) refused naming {e.File}, not the damaged file ({context})");
                    refused++;
                }
            }
            foreach (string k in new[] { "s0400", "a", "w999-1", "zzz" })
            {
                Check(Get(reopened, k, path, context) is null, $"Get({k}) found a key never written ({context})");
            }
            // A deleted key must stay deleted: probe the key space of the tables.
            for (int i = 0; i < 400; i += 7)
            {
                string k = $"s{i:D4}";
                if (!expected.ContainsKey(k))
                {
                    Check(Get(reopened, k, path, context) is null, $"Get({k}) resurrected a deleted key ({context})");
                }
            }
            refused += Scan(reopened, expected, forward: true, path, context) ? 0 : 1;
            refused += Scan(reopened, expected, forward: false, path, context) ? 0 : 1;
            right += 2;
            outcome = new Outcome(false, right, refused, dropped);
        }
        return what;
    }

    /// <summary>Iterates the whole database; true when it completed (and matched), false when it was refused as corrupt.</summary>
    private static bool Scan(Db db, SortedDictionary<string, byte[]> expected, bool forward, string damaged, string context)
    {
        List<KeyValuePair<string, byte[]>> want = forward ? expected.ToList() : expected.Reverse().ToList();
        try
        {
            using Iterator it = db.NewIterator();
            int i = 0;
            if (forward)
            {
                it.SeekToFirst();
            }
            else
            {
                it.SeekToLast();
            }
            for (; it.Valid; i++)
            {
                string k = System.Text.Encoding.ASCII.GetString(it.Key);
                Check(i < want.Count && want[i].Key == k && it.Value.SequenceEqual(want[i].Value),
                    $"{(forward ? "forward" : "backward")} iteration returned {k} at position {i}, expected {(i < want.Count ? want[i].Key : "the end")} or a value mismatch ({context})");
                if (forward)
                {
                    it.Next();
                }
                else
                {
                    it.Prev();
                }
            }
            Check(i == want.Count, $"{(forward ? "forward" : "backward")} iteration ended after {i} of {want.Count} keys ({context})");
            return true;
        }
        catch (CorruptionException e)
        {
            Check(Path.GetFullPath(e.File) == damaged, $"iteration refused naming {e.File}, not the damaged file ({context})");
            return false;
        }
    }

    private static byte[]? Get(Db db, string key, string damaged, string context)
    {
        try
        {
            return db.Get(B(key));
        }
        catch (CorruptionException e)
        {
            Check(Path.GetFullPath(e.File) == damaged, $"Get({key}) refused naming {e.File}, not the damaged file ({context})");
            return null; // a refused read tells nothing; the caller's checks treat it as absent
        }
    }

    private static bool Refuses(Db db, string key)
    {
        try
        {
            db.Get(B(key));
            return false;
        }
        catch (CorruptionException)
        {
            return true;
        }
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new Xunit.Sdk.XunitException(message);
        }
    }

    private static string? Pick(Random rng, List<string> names) => names.Count == 0 ? null : names[rng.Next(names.Count)];

    private static byte[] B(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    private static byte[] ValueFor(string key, int version, int pad) => B($"{key}@{version}:" + new string((char)('a' + version % 26), pad));
}
