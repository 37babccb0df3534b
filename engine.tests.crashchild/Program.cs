using System.Globalization;
using System.Text;
using AimLsm.Kv;
using AimLsm.CrashChild;

// The victim of the black-box crash test (engine.tests/Crash/BlackBoxCrashTests.cs; RocksDB's db_crashtest.py
// blackbox mode). It opens the database on the real disk, prints "ready", and writes random batches (mixing synced
// and unsynced writes, with the odd explicit flush) while background flushes and compactions run, until the parent
// kills it with SIGKILL. Usage: AimLsm.CrashChild <db dir> <log file> <seed> <first batch id>
if (args is [TreeChild.Mode, ..]) return TreeChild.Run(args[1..]);
if (args is [OpenChild.Mode, ..]) return OpenChild.Run(args[1..]);
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: AimLsm.CrashChild <db dir> <log file> <seed> <first batch id>");
    return 2;
}
string dir = args[0];
string logPath = args[1];
int seed = int.Parse(args[2], CultureInfo.InvariantCulture);
long id = long.Parse(args[3], CultureInfo.InvariantCulture);

// The expected-state log is written to the OS after every line (AutoFlush on an unbuffered FileStream: one write(2)
// per line) and never fsynced. That suffices here: the test kills the process, not the machine, and a killed
// process loses nothing it handed to the kernel; the page cache still reaches the file the parent reads. Power loss
// is a different failure (the log and the database could then lose different amounts), and it is covered in
// process by the fault-injecting file system (engine.tests/Crash/PowerLossTests.cs), where the oracle lives in memory.
using var logStream = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 1);
using var log = new StreamWriter(logStream, new UTF8Encoding(false), bufferSize: 4096) { AutoFlush = true };

var rng = new Random(seed);
using Db db = Db.Open(dir, CrashWorkload.Options(seed));
Console.Out.WriteLine("ready");
Console.Out.Flush();
var syncWrite = new WriteOptions { Sync = true };
while (true)
{
    List<CrashOp> ops = CrashWorkload.RandomBatch(rng);
    bool sync = rng.Next(100) < 20;
    log.WriteLine(CrashWorkload.PendingLine(id, sync, ops));
    db.Write(CrashWorkload.ToBatch(id, ops), sync ? syncWrite : WriteOptions.Default);
    log.WriteLine("ack " + id.ToString(CultureInfo.InvariantCulture));
    id++;
    if (rng.Next(2000) == 0)
    {
        db.Flush();
    }
}
