namespace AimLsm.Streaming;

/// <summary>
/// A blob field streamed by reference (docs/format.md, section 14.5): the field's value is fetched later, in a
/// batch, by sending its <see cref="Uri"/> to <see cref="AimStreamWriter.WriteBlobsAsync"/> on the server side.
/// Immutable.
/// </summary>
internal sealed class BlobReference : IEquatable<BlobReference>
{
    /// <summary>Creates a reference.</summary>
    public BlobReference(string uri)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        Uri = uri;
    }

    /// <summary>The blob's URI (<see cref="BlobUri"/>).</summary>
    public string Uri { get; }

    /// <summary>The reference a folded <c>{'type': 'blob_ref', 'uri': ...}</c> dict stands for, if it is one.</summary>
    public static bool TryFrom(object? value, out BlobReference? reference)
    {
        reference = value is Dictionary<string, object?> { Count: 2 } dict &&
                    dict.GetValueOrDefault(StreamFormat.TypeField) is StreamFormat.BlobRefType &&
                    dict.GetValueOrDefault(StreamFormat.UriField) is string { Length: > 0 } uri
            ? new BlobReference(uri)
            : null;
        return reference is not null;
    }

    /// <inheritdoc/>
    public bool Equals(BlobReference? other) => other is not null && other.Uri == Uri;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BlobReference other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Uri);

    /// <inheritdoc/>
    public override string ToString() => "<blob " + Uri + ">";
}
