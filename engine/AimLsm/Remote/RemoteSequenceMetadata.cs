using AimLsm.Tree;

namespace AimLsm.Remote;

/// <summary>A sequence's metadata as a server sent it, values already typed (see <see cref="RemoteRunDocument"/>). Immutable.</summary>
internal sealed record RemoteSequenceMetadata(
    string? Dtype, long Count, long FirstStep, long LastStep, object? FirstValue, object? LastValue, object? MinValue, object? MaxValue)
    : ISequenceMetadata;
