using System.Globalization;

namespace AimLsm.Encoding;

/// <summary>
/// One key of a tree path: a non-empty string or an int64 (docs/format.md, section 12.2). <c>default</c> is the int
/// segment 0. Immutable; compare with <see cref="Equals(PathSegment)"/> (ordinal for strings).
/// </summary>
public readonly struct PathSegment : IEquatable<PathSegment>
{
    private readonly string? _string;
    private readonly long _int;

    /// <summary>Creates a str segment. Emptiness is checked when the path is encoded, where the index is known.</summary>
    public PathSegment(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _string = value;
    }

    /// <summary>Creates an int segment.</summary>
    public PathSegment(long value) => _int = value;

    /// <summary>True for a str segment.</summary>
    public bool IsString => _string is not null;

    /// <summary>True for an int segment.</summary>
    public bool IsInt => _string is null;

    /// <summary>The string of a str segment.</summary>
    /// <exception cref="InvalidOperationException">The segment is an int.</exception>
    public string String => _string ?? throw new InvalidOperationException($"Path segment {_int} is an int, not a str.");

    /// <summary>The value of an int segment.</summary>
    /// <exception cref="InvalidOperationException">The segment is a str.</exception>
    public long Int => _string is null ? _int : throw new InvalidOperationException($"Path segment '{_string}' is a str, not an int.");

    /// <summary>A str segment.</summary>
    public static implicit operator PathSegment(string value) => new(value);

    /// <summary>An int segment.</summary>
    public static implicit operator PathSegment(long value) => new(value);

    /// <summary>An int segment.</summary>
    public static implicit operator PathSegment(int value) => new(value);

    /// <summary>A str segment (same as the implicit conversion).</summary>
    public static PathSegment FromString(string value) => new(value);

    /// <summary>An int segment (same as the implicit conversion).</summary>
    public static PathSegment FromInt64(long value) => new(value);

    /// <inheritdoc/>
    public bool Equals(PathSegment other) =>
        _string is null ? other._string is null && _int == other._int : string.Equals(_string, other._string, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PathSegment other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _string is null ? _int.GetHashCode() : StringComparer.Ordinal.GetHashCode(_string);

    /// <summary>Python-like: <c>'lr'</c> for a str segment, <c>19</c> for an int segment.</summary>
    public override string ToString() => _string is null ? _int.ToString(CultureInfo.InvariantCulture) : "'" + _string + "'";

    /// <summary>Equality.</summary>
    public static bool operator ==(PathSegment left, PathSegment right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(PathSegment left, PathSegment right) => !left.Equals(right);

    /// <summary>Formats a whole path the way Python prints a tuple: <c>('hparams', 'lr')</c>.</summary>
    public static string Format(ReadOnlySpan<PathSegment> path)
    {
        if (path.Length == 1)
        {
            return "(" + path[0] + ",)";
        }

        var parts = new string[path.Length];
        for (int i = 0; i < path.Length; i++)
        {
            parts[i] = path[i].ToString();
        }

        return "(" + string.Join(", ", parts) + ")";
    }
}
