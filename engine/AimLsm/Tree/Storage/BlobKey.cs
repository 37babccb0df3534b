using AimLsm.Encoding;

namespace AimLsm.Tree.Storage;

/// <summary>
/// The storage address of one blob field (docs/format.md, section 13.1): the key
/// <c>('blobs', H, context id, sequence name, step) + field path</c> in the run's writer slot. Layers above the tree
/// name a blob by its run, sequence, step and field path (<see cref="SequenceBlobs"/>), or by the part of the key
/// below <c>('blobs', H)</c> that a blob URI carries (<see cref="Relative"/>, <see cref="TryParse"/>); how those
/// become a key stays here, next to <see cref="RepoKeys"/>. Read it with <see cref="BlobReader"/>. Immutable.
/// </summary>
/// <remarks>Invariant: <c>Key[..relativeStart]</c> is <c>RepoKeys.RunBlobs(RunHash)</c>, and <see cref="Relative"/>
/// is a valid path of the form <c>(int, str, int, field, ...)</c>.</remarks>
internal readonly struct BlobKey
{
    private readonly byte[] _key;
    private readonly int _relativeStart;

    internal BlobKey(string runHash, byte[] key, int relativeStart)
    {
        RunHash = runHash;
        _key = key;
        _relativeStart = relativeStart;
    }

    /// <summary>The hash of the run the blob belongs to.</summary>
    public string RunHash { get; }

    /// <summary>The key below the run's <c>('blobs', H)</c> prefix: <c>(context id, sequence name, step) + field path</c>.</summary>
    public ReadOnlySpan<byte> Relative => _key.AsSpan(_relativeStart);

    /// <summary>The whole key in the run's writer slot; for the <see cref="BlobReader"/> and for callers that print it.</summary>
    public ReadOnlySpan<byte> Key => _key;

    /// <summary>
    /// The blob of run <paramref name="runHash"/> at <paramref name="relative"/> (the inverse of <see cref="Relative"/>).
    /// False, never an exception, when <paramref name="relative"/> is not a valid path of the form
    /// <c>(int, str, int, field, ...)</c> or the hash has no path encoding (a lone surrogate).
    /// </summary>
    public static bool TryParse(string runHash, ReadOnlySpan<byte> relative, out BlobKey key)
    {
        ArgumentNullException.ThrowIfNull(runHash);
        key = default;
        if (!IsBlobPath(relative))
        {
            return false;
        }

        byte[] runBlobs;
        try
        {
            runBlobs = RepoKeys.RunBlobs(runHash);
        }
        catch (ArgumentException)
        {
            return false; // a hash with a lone surrogate has no path encoding
        }

        key = new BlobKey(runHash, RepoKeys.Concat(runBlobs, relative), runBlobs.Length);
        return true;
    }

    private static bool IsBlobPath(ReadOnlySpan<byte> relative)
    {
        try
        {
            var reader = new TreePathReader(relative);
            if (!(reader.MoveNext() && reader.IsInt &&
                  reader.MoveNext() && !reader.IsInt &&
                  reader.MoveNext() && reader.IsInt &&
                  reader.MoveNext()))
            {
                return false;
            }

            while (reader.MoveNext())
            {
                // every further segment must decode too: the reader throws on a damaged one
            }

            return true;
        }
        catch (AimFormatException)
        {
            return false;
        }
    }
}
