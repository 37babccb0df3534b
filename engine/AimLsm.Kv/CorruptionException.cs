using System.Diagnostics.CodeAnalysis;

namespace AimLsm.Kv;

/// <summary>
/// Stored data failed a check: a checksum, a length, a magic number, a record's structure. The engine throws this
/// rather than return data it cannot vouch for, and never overwrites the damaged file.
/// </summary>
public sealed class CorruptionException : DbException
{
    /// <summary>Creates the exception for damage at <paramref name="offset"/> in <paramref name="file"/>.</summary>
    public CorruptionException(string file, long offset, string message)
        : base($"Corruption in '{file}' at offset {offset}: {message}")
    {
        File = file;
        Offset = offset;
        Detail = message;
    }

    /// <summary>The damaged file's path.</summary>
    public string File { get; }

    /// <summary>The byte offset in <see cref="File"/> where the damage was found.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, without the file and offset.</summary>
    public string Detail { get; }

    // The throwers live here, beside the type they build, and not in Common/ThrowHelper: Common is the leaf of the
    // key-value layer and references nothing above it. Kept out of hot methods so those stay inlinable.
    [DoesNotReturn]
    internal static void Throw(string file, long offset, string message) =>
        throw new CorruptionException(file, offset, message);

    [DoesNotReturn]
    internal static T Throw<T>(string file, long offset, string message) =>
        throw new CorruptionException(file, offset, message);
}
