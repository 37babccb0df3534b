namespace AimLsm.Encoding;

/// <summary>
/// Bytes that should hold an encoded path, value or tree (docs/format.md, section 12) do not: they are truncated,
/// carry an unknown type byte, hold invalid UTF-8, or arrive in an order no key-ordered scan produces. The message
/// names the offset (or the path) and what was expected there.
/// </summary>
public sealed class AimFormatException : FormatException
{
    /// <summary>Creates the exception for a problem at byte <paramref name="offset"/> of an encoded <paramref name="what"/>.</summary>
    public AimFormatException(string what, int offset, string message)
        : base($"Invalid encoded {what} at offset {offset}: {message}")
    {
        Offset = offset;
    }

    /// <summary>Creates the exception with a message that already says where.</summary>
    public AimFormatException(string message)
        : base(message)
    {
        Offset = -1;
    }

    /// <summary>The byte offset of the problem inside the encoded path or value, or -1 when the message names a path.</summary>
    public int Offset { get; }
}
