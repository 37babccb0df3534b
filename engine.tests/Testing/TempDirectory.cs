namespace AimLsm.Tests.Testing;

/// <summary>A fresh directory under the system temp folder per test, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "aimlsm-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>
    /// Copies the folder <paramref name="from"/> (recursively) to <paramref name="name"/> under this directory and
    /// returns its path: a private copy of a fixture or of a live database's files, safe to damage. A <c>LOCK</c>
    /// file is left out: a live writer holds it, and an open creates it.
    /// </summary>
    public string CopyOf(string from, string name)
    {
        string to = Sub(name);
        Copy(from, to);
        return to;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            if (System.IO.Path.GetFileName(file) != "LOCK")
            {
                File.Copy(file, System.IO.Path.Combine(to, System.IO.Path.GetFileName(file)));
            }
        }
        foreach (string sub in Directory.GetDirectories(from))
        {
            Copy(sub, System.IO.Path.Combine(to, System.IO.Path.GetFileName(sub)));
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
