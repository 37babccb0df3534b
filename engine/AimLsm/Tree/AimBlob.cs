using AimLsm.Encoding;

namespace AimLsm.Tree;

/// <summary>
/// A large field of a tracked object (an image's encoded bytes, an audio clip, a figure's JSON) that is stored
/// apart from its record, as Aim stores BLOBs, and read only when <see cref="Load"/> is called. Reading a sequence
/// of images therefore costs the small fields only.
/// </summary>
public sealed class AimBlob
{
    private readonly Func<byte[]?> _load;

    internal AimBlob(Func<byte[]?> load) => _load = load;

    /// <summary>Reads the field: a byte[] for bytes, a string for str.</summary>
    /// <exception cref="InvalidOperationException">The blob is gone (its run was deleted after this value was read).</exception>
    public object? Load()
    {
        byte[] encoded = _load() ?? throw new InvalidOperationException("The blob is no longer stored; was its run deleted?");
        return AimValue.Parse(encoded).ToScalar();
    }

    /// <inheritdoc/>
    public override string ToString() => "<blob>";
}
