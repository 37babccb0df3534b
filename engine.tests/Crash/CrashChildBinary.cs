namespace AimLsm.Tests.Crash;

/// <summary>
/// Where the child program of the crash, two-process and open tests lives: a copy of its own output folder under the
/// test's (AimLsm.Tests.csproj, target CopyCrashChildOutput), so that it loads the assemblies its own deps.json
/// names rather than the test host's, which come partly from the ASP.NET Core framework.
/// </summary>
internal static class CrashChildBinary
{
    /// <summary>The child's entry assembly, started as <c>dotnet AimLsm.CrashChild.dll</c>.</summary>
    public static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "crashchild", "AimLsm.CrashChild.dll");
}
