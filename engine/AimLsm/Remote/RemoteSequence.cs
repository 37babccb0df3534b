using AimLsm.Tree;
using AimLsm.Tree.Sequences;

namespace AimLsm.Remote;

/// <summary>
/// A sequence of a remote run, as the client knows it: its name, context and the records of the context for the
/// wire, and the state <c>Track</c> resolves in the caller's thread (the dtype, the next default step) under this
/// object's lock. The sender thread alone reads and writes <see cref="BatchIndex"/> and <see cref="BatchGeneration"/>:
/// the index the sequence was declared under in the batch being built.
/// </summary>
internal sealed class RemoteSequence
{
    private readonly Lock _lock = new();
    private string? _dtype;
    private long _nextStep;

    public RemoteSequence(RemoteRun run, string name, Context context)
    {
        Run = run;
        Name = name;
        Context = context;
        ContextRecords = context.Count == 0 ? [0] : BatchWriter.EncodeRecords(new Dictionary<string, object?>(context, StringComparer.Ordinal));
    }

    public RemoteRun Run { get; }

    public string Name { get; }

    public Context Context { get; }

    /// <summary>The context as the records of docs/format.md 15.2 (count 0: the empty context).</summary>
    public byte[] ContextRecords { get; }

    /// <summary>The sequence's index in the batch of <see cref="BatchGeneration"/> (sender thread only).</summary>
    public int BatchIndex { get; set; }

    /// <summary>Which batch <see cref="BatchIndex"/> belongs to (sender thread only); 0: none yet.</summary>
    public long BatchGeneration { get; set; }

    /// <summary>Checks the dtype and resolves the step, as a local sequence does.</summary>
    /// <exception cref="ArgumentException">The sequence holds values of an incompatible dtype.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The step is <see cref="long.MaxValue"/>.</exception>
    /// <summary>Continues a sequence the server already holds (a resumed run): its dtype, and the step after its last.</summary>
    public void Resume(string dtype, long lastStep)
    {
        lock (_lock)
        {
            _dtype = dtype;
            _nextStep = lastStep == long.MaxValue ? lastStep : lastStep + 1;
        }
    }

    public long Prepare(string dtype, long? step)
    {
        lock (_lock)
        {
            return TrackArguments.ResolveStep(ref _dtype, ref _nextStep, dtype, step, Run.Hash, Name, Context);
        }
    }
}
