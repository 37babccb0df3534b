using System.Text.Json;

namespace AimLsm.Tests.Crash;

public sealed class CrashChildBinaryTests
{
    /// <summary>
    /// The child fails to start, or fails later at the first use of a missing assembly (a repo's recovery log needed
    /// Microsoft.Extensions.Logging.Abstractions, which the test host takes from its ASP.NET Core framework), unless
    /// every runtime assembly its deps.json names sits in its folder or in Microsoft.NETCore.App.
    /// </summary>
    [Fact]
    public void Every_assembly_the_child_names_in_its_deps_json_is_in_its_folder()
    {
        string folder = Path.GetDirectoryName(CrashChildBinary.Path)!;
        string deps = Path.Combine(folder, "AimLsm.CrashChild.deps.json");
        Assert.True(File.Exists(deps), $"missing {deps}");
        using var doc = JsonDocument.Parse(File.ReadAllText(deps));
        var missing = new List<string>();
        int named = 0;
        foreach (var target in doc.RootElement.GetProperty("targets").EnumerateObject())
        {
            foreach (var library in target.Value.EnumerateObject())
            {
                if (!library.Value.TryGetProperty("runtime", out var runtime))
                    continue;
                foreach (var asset in runtime.EnumerateObject())
                {
                    named++;
                    string file = Path.Combine(folder, Path.GetFileName(asset.Name));
                    if (!File.Exists(file))
                        missing.Add($"{library.Name}: {file}");
                }
            }
        }
        Assert.True(named >= 3, $"{deps} names only {named} runtime assemblies");
        Assert.True(missing.Count == 0, "missing beside the child: " + string.Join("; ", missing));
    }
}
