namespace AimLsm.Encoding;

/// <summary>
/// The type byte that opens every encoded value (docs/format.md, section 12.3). The values are Aim's
/// (<c>FLAGS</c> in <c>aim/storage/encoding/encoding.pxd</c>) and part of the stored format: DO NOT CHANGE them,
/// and never reuse a retired one.
/// </summary>
public enum AimType : byte
{
    /// <summary>Python <c>None</c>; no payload.</summary>
    None = 0x00,

    /// <summary>A bool; payload is one byte, 0 or 1.</summary>
    Bool = 0x01,

    /// <summary>An int64; payload is 8 bytes little-endian two's complement.</summary>
    Int = 0x02,

    /// <summary>A double; payload is 8 bytes little-endian IEEE-754 (NaN and infinities stored as they are).</summary>
    Float = 0x03,

    /// <summary>A string; payload is its UTF-8 bytes, no length, no terminator.</summary>
    Str = 0x04,

    /// <summary>A byte string; payload is the raw bytes.</summary>
    Bytes = 0x05,

    /// <summary>Aim's <c>ArrayFlag</c>: this node is a list, its elements are children at int segments 0..n-1.</summary>
    List = 0x06,

    /// <summary>Aim's <c>ObjectFlag</c>: this node is a dict. Aim writes it only for an empty dict.</summary>
    Dict = 0x07,

    // 0x08..0x0E: unused by Aim; reserved.

    /// <summary>
    /// Aim's <c>CustomObjectFlag</c> (0x08 | 0x07): a custom object; payload is its UTF-8 type name
    /// (for example <c>aim.image</c>); its fields are children at str segments.
    /// </summary>
    CustomObject = 0x0F,
}
