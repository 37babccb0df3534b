namespace AimLsm.Kv;

/// <summary>How table blocks are compressed.</summary>
public enum Compression
{
    /// <summary>Blocks are stored as they are.</summary>
    None,

    /// <summary>LZ4 (fast, about 2x on typical keys and values); a block that does not shrink by 1/8 is stored raw.</summary>
    Lz4,
}
