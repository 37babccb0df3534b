using AimLsm.CrashChild;
using AimLsm.Testing;

// The crash child: the process the crash tests kill (engine.tests/Crash/BlackBoxCrashTests.cs,
// engine.tests/Crash/RepoCrashHarnessTests.cs, through AimLsm.Testing's CrashHarness), and the other process of the
// tree layer's two-process tests and the open tests. Usage:
//   AimLsm.CrashChild <db dir> <log file> <seed> <first batch id>          random batches into a Db (DbCrashWorkload)
//   AimLsm.CrashChild repo <repo dir> <log file> <seed> <first step id>   tracking into a Repo (RepoCrashWorkload)
//   AimLsm.CrashChild tree ... | open ... | remote ...                     see TreeChild, OpenChild and RemoteChild
if (args is [TreeChild.Mode, ..]) return TreeChild.Run(args[1..]);
if (args is [OpenChild.Mode, ..]) return OpenChild.Run(args[1..]);
if (args is [RemoteChild.Mode, ..]) return RemoteChild.Run(args[1..]);
if (args is [RepoCrashWorkload.Mode, ..]) return CrashChild.Run(args[1..], RepoCrashWorkload.Run);
if (args.Length != CrashChild.ArgumentCount)
{
    Console.Error.WriteLine("usage: AimLsm.CrashChild [repo] <dir> <log file> <seed> <first id> | tree ... | open ...");
    return 2;
}
return CrashChild.Run(args, DbCrashWorkload.Run);
