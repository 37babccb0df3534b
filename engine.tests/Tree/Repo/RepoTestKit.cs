using System.Globalization;
using System.Text;
using AimLsm.Kv;
using AimLsm.Tests.Testing;
using AimLsm.Tree;
using AimLsm.Encoding;
using AimLsm.Tree.Storage;

namespace AimLsm.Tests.Tree.Repo;

/// <summary>Helpers shared by the Repo/Run/Sequence tests: scaling, raw engine access, rendering values for comparison.</summary>
internal static class RepoTestKit
{
    /// <summary>Whether the long soak runs are on (AIMLSM_SOAK=1), as elsewhere in the suite.</summary>
    public static bool Soak => Environment.GetEnvironmentVariable("AIMLSM_SOAK") == "1";

    /// <summary><paramref name="ci"/> normally, <paramref name="soak"/> under AIMLSM_SOAK=1.</summary>
    public static int Scale(int ci, int soak) => Soak ? soak : ci;

    /// <summary>The engine folder of writer slot <paramref name="slot"/> of the repo at <paramref name="repo"/>.</summary>
    public static string SlotDir(string repo, string slot = "0000") => Path.Combine(repo, "slots", slot);

    /// <summary>Bytes of table files in an engine folder: the space the data takes once flushed.</summary>
    public static long SstBytes(string engineDir) =>
        Directory.EnumerateFiles(engineDir, "*.sst").Sum(f => new FileInfo(f).Length);

    /// <summary>Runs <paramref name="action"/> on the engine of <paramref name="run"/>'s slot, bypassing the tree layer
    /// (for planting malformed records and forcing flushes).</summary>
    public static void WithEngine(AimLsm.Tree.Run run, Action<Db> action)
    {
        using StoreLease lease = run.Lease();
        action(lease.Db);
    }

    /// <summary>Creates a run in the repo at <paramref name="path"/> and hands it to <paramref name="first"/>; then closes
    /// the repo, opens it again, resumes the run with OpenRun and hands it to <paramref name="second"/>.</summary>
    public static void AcrossAReopen(string path, RepoOptions? options, Action<AimLsm.Tree.Run> first, Action<AimLsm.Tree.Run> second)
    {
        string hash;
        using (AimLsm.Tree.Repo repo = AimLsm.Tree.Repo.Open(path, options))
        using (AimLsm.Tree.Run run = repo.CreateRun())
        {
            hash = run.Hash;
            first(run);
        }

        using (AimLsm.Tree.Repo repo = AimLsm.Tree.Repo.Open(path, options))
        using (AimLsm.Tree.Run run = repo.OpenRun(hash))
        {
            second(run);
        }
    }

    /// <summary>Writes one raw record under the run's parameter tree at <paramref name="path"/>.</summary>
    public static void PutRawParam(AimLsm.Tree.Run run, PathSegment[] path, byte[] encodedValue) =>
        WithEngine(run, db => db.Put(RepoKeys.Concat(RepoKeys.Attrs(run.Hash), TreePath.Encode(path)), encodedValue));

    /// <summary>A canonical text form of a stored or tracked value, for comparing what went in with what came out:
    /// integers of every width as one form, dict entries sorted, blobs loaded, float bits exact.</summary>
    public static string Render(object? value)
    {
        var text = new StringBuilder();
        Render(value, text, sortEntries: true);
        return text.ToString();
    }

    /// <summary>As <see cref="Render(object?)"/> but with dict and object entries in the order they were added, for
    /// failure reports (the order a value's fields were added in is part of what was tracked).</summary>
    public static string RenderAsAdded(object? value)
    {
        var text = new StringBuilder();
        Render(value, text, sortEntries: false);
        return text.ToString();
    }

    private static void Render(object? value, StringBuilder text, bool sortEntries)
    {
        switch (value)
        {
            case null:
                text.Append("None");
                break;
            case bool b:
                text.Append(b ? "True" : "False");
                break;
            case long or int or short or sbyte or byte or ushort or uint:
                text.Append(Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                break;
            case double or float:
                double d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                text.Append("f(").Append(d.ToString("R", CultureInfo.InvariantCulture)).Append(')');
                break;
            case string s:
                text.Append('"').Append(s).Append('"');
                break;
            case byte[] bytes:
                text.Append("b'").Append(Convert.ToHexString(bytes)).Append('\'');
                break;
            case AimBlob blob:
                Render(blob.Load(), text, sortEntries);
                break;
            case AimObject obj:
                text.Append(obj.TypeName);
                RenderEntries(obj.Fields.Select(f => (f.Key, (object?)f.Value)), text, sortEntries);
                break;
            case System.Collections.IDictionary dict:
                RenderEntries(dict.Keys.Cast<object>().Select(k => (Convert.ToString(k, CultureInfo.InvariantCulture)!, dict[k])), text, sortEntries);
                break;
            case System.Collections.IList list:
                text.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    text.Append(i == 0 ? "" : ", ");
                    Render(list[i], text, sortEntries);
                }

                text.Append(']');
                break;
            default:
                throw new ArgumentException($"cannot render a {value.GetType()}");
        }
    }

    private static void RenderEntries(IEnumerable<(string Key, object? Value)> entries, StringBuilder text, bool sortEntries)
    {
        text.Append('{');
        bool first = true;
        foreach ((string key, object? value) in sortEntries ? entries.OrderBy(e => e.Key, StringComparer.Ordinal) : entries)
        {
            text.Append(first ? "" : ", ").Append(key).Append(": ");
            Render(value, text, sortEntries);
            first = false;
        }

        text.Append('}');
    }
}

/// <summary>A new repo in a temporary folder with one run open for writing; disposing closes both and deletes the folder.</summary>
internal sealed class OneRun : IDisposable
{
    private readonly TempDirectory _dir = new();

    public OneRun(RepoOptions? options = null)
    {
        Repo = AimLsm.Tree.Repo.Open(_dir.Path, options);
        Run = Repo.CreateRun();
    }

    public AimLsm.Tree.Repo Repo { get; }

    public AimLsm.Tree.Run Run { get; }

    public void Dispose()
    {
        Repo.Dispose();
        _dir.Dispose();
    }
}
