namespace AimLsm.Encoding;

/// <summary>
/// An Aim custom object (<c>CustomObject</c> in <c>aim/storage/object.py</c>): a type name such as <c>aim.image</c>
/// and its fields. Stored as a <see cref="AimType.CustomObject"/> marker at its path with each field a child at a
/// str segment (docs/format.md, section 12.4). Not thread-safe.
/// </summary>
public sealed class AimObject
{
    /// <summary>Creates an object of type <paramref name="typeName"/> with no fields.</summary>
    /// <exception cref="ArgumentException"><paramref name="typeName"/> is empty.</exception>
    public AimObject(string typeName)
    {
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        TypeName = typeName;
    }

    /// <summary>Aim's registered name of the type, for example <c>aim.image</c>.</summary>
    public string TypeName { get; }

    /// <summary>The fields; each value is anything <see cref="TreeWriter"/> accepts.</summary>
    public Dictionary<string, object?> Fields { get; } = new(StringComparer.Ordinal);
}
