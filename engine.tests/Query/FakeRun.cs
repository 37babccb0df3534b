using AimLsm.Query;
using AimLsm.Encoding;

namespace AimLsm.Tests.Query;

/// <summary>
/// An in-memory run for query tests. Params are nested dictionaries and lists, as the tree reader builds them; the
/// run counts every param read (and records its path) and every enumeration of its sequences, so tests can assert
/// that evaluation reads only what the query touches.
/// </summary>
internal sealed class FakeRun : IQueryRun
{
    private readonly List<FakeSequence> _sequences = [];

    public FakeRun(string hash) => Hash = hash;

    public string Hash { get; }

    public string? Name { get; init; }

    public string? Experiment { get; init; }

    public string? Description { get; init; }

    public List<string> TagList { get; init; } = [];

    public IReadOnlyList<string> Tags => TagList;

    public bool Archived
    {
        get
        {
            ArchivedReads++;
            return IsArchived;
        }
        init => IsArchived = value;
    }

    /// <summary>The stored archived flag, read without counting.</summary>
    public bool IsArchived { get; private init; }

    /// <summary>How many times <see cref="Archived"/> was read (the implied archived filter reads it).</summary>
    public int ArchivedReads { get; set; }

    public bool Active => EndTime is null;

    public DateTime CreatedAt { get; init; }

    public DateTime? EndTime { get; init; }

    public Dictionary<string, object?> Params { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The paths passed to <see cref="TryGetParam"/>, formatted as Python tuples.</summary>
    public List<string> ParamReads { get; } = [];

    /// <summary>How many times <see cref="Sequences"/> was enumerated.</summary>
    public int SequenceEnumerations { get; private set; }

    /// <summary>How many times <see cref="GetSequence"/> was called.</summary>
    public int GetSequenceCalls { get; private set; }

    public IReadOnlyList<FakeSequence> SequenceList => _sequences;

    public IEnumerable<IQuerySequence> Sequences
    {
        get
        {
            SequenceEnumerations++;
            return _sequences;
        }
    }

    public FakeRun With(params FakeSequence[] sequences)
    {
        _sequences.AddRange(sequences);
        return this;
    }

    public void ResetCounters()
    {
        ParamReads.Clear();
        SequenceEnumerations = 0;
        GetSequenceCalls = 0;
        foreach (FakeSequence s in _sequences)
        {
            s.LastReads = 0;
        }
    }

    public bool TryGetParam(ReadOnlySpan<PathSegment> path, out object? value)
    {
        ParamReads.Add(PathSegment.Format(path));
        value = Params;
        foreach (PathSegment segment in path)
        {
            switch (value, segment.IsString)
            {
                case (Dictionary<string, object?> d, true) when d.TryGetValue(segment.String, out object? child):
                    value = child;
                    break;
                case (List<object?> l, false) when segment.Int >= 0 && segment.Int < l.Count:
                    value = l[(int)segment.Int];
                    break;
                default:
                    value = null;
                    return false;
            }
        }

        return true;
    }

    public IQuerySequence? GetSequence(string name, IReadOnlyDictionary<string, object?>? context)
    {
        GetSequenceCalls++;
        IReadOnlyDictionary<string, object?> wanted = context ?? new Dictionary<string, object?>();
        return _sequences.FirstOrDefault(s => s.Name == name && s.Context.Count == wanted.Count &&
            s.Context.All(c => wanted.TryGetValue(c.Key, out object? v) && Equals(v, c.Value)));
    }

    public override string ToString() => Hash;
}
