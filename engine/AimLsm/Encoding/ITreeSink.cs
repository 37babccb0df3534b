namespace AimLsm.Encoding;

/// <summary>
/// Receives the (path, value) records <see cref="TreeWriter"/> produces, in the order it produces them (parents
/// before children, not key order). Both spans are only valid during the call: copy them or write them on.
/// Implement it on a struct to let the JIT remove the interface call.
/// </summary>
internal interface ITreeSink
{
    /// <summary>One record: an encoded path (the prefix included) and an encoded value.</summary>
    void Add(ReadOnlySpan<byte> path, ReadOnlySpan<byte> value);
}

/// <summary>A callback for <see cref="TreeWriter.Flatten(object?, ReadOnlySpan{byte}, TreeRecordHandler)"/>; the spans are only valid during the call.</summary>
internal delegate void TreeRecordHandler(ReadOnlySpan<byte> path, ReadOnlySpan<byte> value);
