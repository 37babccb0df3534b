namespace AimLsm.Tree;

/// <summary>The members of <see cref="IRunInfo"/> whose types differ from <see cref="Run"/>'s own (the rest it
/// implements as they are), so that code typed against the interface reads a local run as it reads a remote one.</summary>
public sealed partial class Run
{
    /// <inheritdoc/>
    ITreeView IRunInfo.Tree => Tree;

    /// <inheritdoc/>
    ISequence IRunInfo.GetSequence(string name, Context? context) => GetSequence(name, context);
}
