namespace AimLsm.Kv.IO;

/// <summary>The kinds of <see cref="PathState"/>.</summary>
public enum PathKind
{
    /// <summary>Nothing there; the folder above the first missing component exists.</summary>
    Missing,

    /// <summary>A folder, or a symbolic link to one.</summary>
    Folder,

    /// <summary>A file, or a symbolic link to one.</summary>
    File,

    /// <summary>A symbolic link whose target does not exist.</summary>
    DanglingLink,

    /// <summary>A symbolic link that leads back to itself.</summary>
    LinkLoop,

    /// <summary>Nothing can be there: a component above the path is a file (ENOTDIR).</summary>
    NotUnderFolder,
}
