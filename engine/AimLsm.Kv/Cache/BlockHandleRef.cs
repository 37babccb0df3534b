namespace AimLsm.Kv.Cache;

/// <summary>
/// A counted reference to a block in a <see cref="BlockCache"/>, returned by <see cref="BlockCache.TryGet"/> and
/// <see cref="BlockCache.Insert"/>. The block's bytes stay valid (even if the cache evicts the block meanwhile)
/// until <see cref="Release"/>, which must be called exactly once per handle obtained. A struct so that a cache
/// hit allocates nothing: do not release a copy as well as the original.
/// </summary>
internal readonly struct BlockHandleRef
{
    private readonly CachedBlock? _block;

    internal BlockHandleRef(CachedBlock block) => _block = block;

    /// <summary>False for <c>default</c>: no block is referenced.</summary>
    public bool IsValid => _block is not null;

    /// <summary>The array holding the block; its contents are <c>[0, Length)</c>. It may be longer than the block.</summary>
    public byte[] Array => _block!.Buffer;

    public int Length => _block!.Length;

    public ReadOnlySpan<byte> Span => _block!.Buffer.AsSpan(0, _block.Length);

    public ReadOnlyMemory<byte> Memory => _block!.Buffer.AsMemory(0, _block.Length);

    /// <summary>Drops this reference. Does nothing on a default handle.</summary>
    public void Release() => _block?.Release();
}
