namespace AimLsm.Tools.LsmDump.Output;

/// <summary>Whether bytes being rendered are a user key or a value; a decoder may read them differently.</summary>
public enum ByteRole
{
    Key,
    Value,
}

/// <summary>
/// Renders keys and values as text, and parses the user's <c>--from</c>/<c>--to</c>/<c>--prefix</c> back to bytes.
/// The pluggable decoder: <c>--format NAME</c> picks one from <see cref="ByteFormats"/>, where a higher layer (the
/// experiment tree's <c>--format aim</c>, decoding paths and values) registers its own.
/// </summary>
public interface IByteFormat
{
    /// <summary>The name given to <c>--format</c>.</summary>
    string Name { get; }

    /// <summary>True when the text output should put the rendering in double quotes.</summary>
    bool Quoted { get; }

    /// <summary>Renders <paramref name="bytes"/>.</summary>
    string Render(ReadOnlySpan<byte> bytes, ByteRole role);

    /// <summary>Parses a key the user typed on the command line; throws <see cref="FormatException"/> when malformed.</summary>
    byte[] Parse(string text);
}
