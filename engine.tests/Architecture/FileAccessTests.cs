using AimLsm.Testing;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using AimLsm.Kv.IO;

namespace AimLsm.Tests.Architecture;

/// <summary>
/// The AimLsm assembly (Encoding, Tree, Query, Streaming) reaches files only through <see cref="IFileSystem"/>
/// (issue 16, point 3): its compiled metadata references none of .NET's file and folder types, so a repo on a
/// <see cref="MemFileSystem"/> or a <see cref="FaultInjectionFileSystem"/> never touches the disk. Read from the
/// metadata's type references, which every call, <c>new</c>, field, local and signature of such a type leaves.
/// <see cref="System.IO.Path"/> stays allowed: it only computes strings.
/// </summary>
public class FileAccessTests
{
    /// <summary>The types through which .NET touches files and folders directly.</summary>
    private static readonly string[] DirectFileTypes =
    [
        "System.IO.File", "System.IO.Directory", "System.IO.FileInfo", "System.IO.DirectoryInfo", "System.IO.FileSystemInfo",
        "System.IO.FileStream", "System.IO.RandomAccess",
        "System.IO.FileSystemWatcher", "System.IO.DriveInfo", "System.IO.MemoryMappedFiles.MemoryMappedFile",
        "Microsoft.Win32.SafeHandles.SafeFileHandle",
    ];

    /// <summary>The direct file types the assembly at <paramref name="path"/> references, sorted.</summary>
    private static List<string> DirectFileReferences(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        MetadataReader md = pe.GetMetadataReader();
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (TypeReferenceHandle handle in md.TypeReferences)
        {
            TypeReference reference = md.GetTypeReference(handle);
            string name = md.GetString(reference.Namespace) + "." + md.GetString(reference.Name);
            if (DirectFileTypes.Contains(name))
            {
                found.Add(name);
            }
        }

        return [.. found];
    }

    [Fact]
    public void The_AimLsm_assembly_references_no_file_or_folder_type_of_dotnet()
    {
        List<string> found = DirectFileReferences(typeof(AimLsm.Tree.Repo).Assembly.Location);
        Assert.True(found.Count == 0,
            "AimLsm reaches files around IFileSystem (RepoOptions.FileSystem) through: " + string.Join(", ", found) +
            ". Go through the repo's IFileSystem instead (grep engine/AimLsm for these types).");
    }

    [Fact]
    public void The_scan_sees_the_file_types_the_disk_file_system_uses()
    {
        // DiskFileSystem, in AimLsm.Kv, is where the direct calls belong: the scan must see them there.
        List<string> found = DirectFileReferences(typeof(DiskFileSystem).Assembly.Location);
        Assert.Contains("System.IO.File", found);
        Assert.Contains("System.IO.Directory", found);
        Assert.Contains("System.IO.FileStream", found);
    }
}
