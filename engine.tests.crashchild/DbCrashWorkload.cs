using AimLsm.Kv;
using AimLsm.Testing;

namespace AimLsm.CrashChild;

/// <summary>
/// The black-box crash test's workload (engine.tests/Crash/BlackBoxCrashTests.cs; RocksDB's db_crashtest.py blackbox
/// mode): opens the database on the real disk and writes random batches of <see cref="CrashWorkload"/> (mixing synced
/// and unsynced writes, with the odd explicit flush) while background flushes and compactions run, until killed.
/// </summary>
public static class DbCrashWorkload
{
    /// <summary>Runs until the harness kills the process.</summary>
    public static void Run(CrashChildContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        Random rng = ctx.Random;
        using Db db = Db.Open(ctx.Directory, CrashWorkload.Options(ctx.Seed));
        ctx.Ready();
        var syncWrite = new WriteOptions { Sync = true };
        while (true)
        {
            List<CrashOp> ops = CrashWorkload.RandomBatch(rng);
            bool sync = rng.Next(100) < 20;
            long id = ctx.Pending(CrashWorkload.PendingText(sync, ops));
            db.Write(CrashWorkload.ToBatch(id, ops), sync ? syncWrite : WriteOptions.Default);
            ctx.Ack();
            if (rng.Next(2000) == 0)
            {
                db.Flush();
            }
        }
    }
}
