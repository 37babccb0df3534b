using AimLsm.Lsm.Version;
using AimLsm.Tools.LsmDump.Cli;

namespace AimLsm.Tools.LsmDump.Inspect;

/// <summary>
/// A private copy of a database's live files (CURRENT, its MANIFEST, the live tables, the live WALs) in a temp
/// directory, deleted on dispose. The engine's <c>Db.Open</c> takes the LOCK and writes (a new MANIFEST, a table
/// from WAL replay), so lsm-dump opens the copy instead of the original: the engine's own recovery runs, the
/// original is never touched, and another process may keep writing it. The copy sees the state as of the copy.
/// </summary>
internal sealed class PrivateCopy : IDisposable
{
    private PrivateCopy(string dir)
    {
        Dir = dir;
    }

    public string Dir { get; }

    /// <summary>Copies the live files; retries when a writer deletes a file between reading the MANIFEST and copying it.</summary>
    public static PrivateCopy Make(string command, string source)
    {
        for (int attempt = 0; ; attempt++)
        {
            string dir = Path.Combine(Path.GetTempPath(), "lsm-dump-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            var copy = new PrivateCopy(dir);
            try
            {
                string manifest = DbFiles.ReadCurrent(source);
                ManifestReplay replay = ManifestReplay.Read(Path.Combine(source, manifest));
                ulong logNumber = replay.LogNumber ?? 0;
                var names = new List<string> { manifest };
                names.AddRange(replay.Result.AllFiles.Select(f => FileNames.Table(f.Number)));
                foreach ((string name, FileKind kind, ulong number, long _) in DbFiles.List(source))
                {
                    if (kind == FileKind.Wal && number >= logNumber)
                    {
                        names.Add(name);
                    }
                }
                foreach (string name in names)
                {
                    File.Copy(Path.Combine(source, name), Path.Combine(dir, name));
                }
                // CURRENT last, written fresh: it names the MANIFEST that was copied.
                File.WriteAllText(Path.Combine(dir, FileNames.Current), manifest + "\n");
                return copy;
            }
            catch (FileNotFoundException) when (attempt < 5)
            {
                copy.Dispose();
            }
            catch (FileNotFoundException e)
            {
                copy.Dispose();
                throw new BadInputException($"{command}: the database kept changing while it was copied: {e.Message}");
            }
            catch
            {
                copy.Dispose();
                throw;
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp directory left behind
        }
    }
}
