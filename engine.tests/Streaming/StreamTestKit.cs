using System.Collections;
using System.IO.Pipelines;
using AimLsm.Streaming;
using AimLsm.Tests.Testing;
using AimLsm.Tests.Tree.Encoding;
using AimLsm.Tree;
using AimLsm.Encoding;

namespace AimLsm.Tests.Streaming;

/// <summary>Helpers shared by the streaming tests: write a stream to bytes, read it back through chosen splits, compare.</summary>
internal static class StreamTestKit
{
    /// <summary>The bytes <paramref name="write"/> produces through an <see cref="AimStreamWriter"/>.</summary>
    public static async Task<byte[]> WriteAsync(Func<AimStreamWriter, Task> write, StreamOptions? options = null)
    {
        var memory = new MemoryStream();
        PipeWriter pipe = PipeWriter.Create(memory, new StreamPipeWriterOptions(leaveOpen: true));
        await write(new AimStreamWriter(pipe, options));
        await pipe.CompleteAsync();
        return memory.ToArray();
    }

    public static async Task<List<StreamObject>> ReadObjectsAsync(byte[] bytes, IEnumerable<int>? cuts = null, StreamReaderOptions? options = null)
    {
        var result = new List<StreamObject>();
        await foreach (StreamObject obj in AimStreamReader.ReadObjectsAsync(new SplitPipeReader(bytes, cuts ?? []), options))
        {
            result.Add(obj);
        }

        return result;
    }

    public static async Task<List<StreamedRun>> ReadRunsAsync(byte[] bytes, IEnumerable<int>? cuts = null)
    {
        var result = new List<StreamedRun>();
        await foreach (StreamedRun run in AimStreamReader.ReadRunsAsync(new SplitPipeReader(bytes, cuts ?? [])))
        {
            result.Add(run);
        }

        return result;
    }

    public static async Task<List<StreamRecord>> ReadRecordsAsync(byte[] bytes, IEnumerable<int>? cuts = null, StreamReaderOptions? options = null)
    {
        var result = new List<StreamRecord>();
        await foreach (StreamRecord record in AimStreamReader.ReadRecordsAsync(new SplitPipeReader(bytes, cuts ?? []), options))
        {
            result.Add(record);
        }

        return result;
    }

    /// <summary><paramref name="count"/> random cut points in (0, length).</summary>
    public static int[] RandomCuts(Random random, int length, int count) =>
        length <= 1 ? [] : [.. Enumerable.Range(0, count).Select(_ => random.Next(1, length))];

    /// <summary>The pieces of trace <paramref name="name"/> over all chunks, joined.</summary>
    public static StreamedTrace Trace(IEnumerable<StreamedRun> runs, string name, IReadOnlyDictionary<string, object?>? context = null)
    {
        List<StreamedTrace> pieces = [.. runs.SelectMany(r => r.Traces).Where(t => t.Name == name && (context is null || SameContext(t.Context, context)))];
        Assert.NotEmpty(pieces);
        Assert.Equal(Enumerable.Range(0, pieces.Count), pieces.Select(p => p.Chunk));
        Assert.All(pieces.SkipLast(1), p => Assert.False(p.IsFinal));
        Assert.True(pieces[^1].IsFinal);
        return StreamedTrace.Combine(pieces);
    }

    /// <summary>Asserts the streamed trace holds exactly <paramref name="expected"/>: steps, epochs, timestamps and values
    /// (floats by bits, objects with their blobs loaded).</summary>
    public static void AssertSame(SequenceData expected, StreamedTrace actual)
    {
        Assert.Equal(expected.Steps, actual.Steps);
        Assert.Equal(expected.Epochs, actual.Epochs);
        Assert.Equal(expected.Timestamps.Select(BitConverter.DoubleToInt64Bits), actual.Timestamps.Select(BitConverter.DoubleToInt64Bits));
        if (expected.Integers is { } ints)
        {
            Assert.Equal(ints, actual.Integers);
        }
        else if (expected.Numbers is { } numbers)
        {
            Assert.Equal(numbers.Select(BitConverter.DoubleToInt64Bits), actual.Numbers!.Select(BitConverter.DoubleToInt64Bits));
        }
        else
        {
            Assert.NotNull(actual.Objects);
            Assert.Equal(expected.Count, actual.Objects.Length);
            for (int i = 0; i < expected.Count; i++)
            {
                object? want = Materialize(expected.Objects![i]);
                Assert.True(TreeTestUtil.DeepEqual(want, actual.Objects[i]),
                    $"step {expected.Steps[i]}: expected {Describe(want)}, streamed {Describe(actual.Objects[i])}");
            }
        }
    }

    /// <summary>The value with every <see cref="AimBlob"/> loaded, in place.</summary>
    public static object? Materialize(object? value)
    {
        switch (value)
        {
            case AimBlob blob:
                return blob.Load();
            case AimObject obj:
                foreach (string key in obj.Fields.Keys.ToList())
                {
                    obj.Fields[key] = Materialize(obj.Fields[key]);
                }

                return obj;
            case IDictionary dict:
                foreach (object key in dict.Keys.Cast<object>().ToList())
                {
                    dict[key] = Materialize(dict[key]);
                }

                return dict;
            case IList list:
                for (int i = 0; i < list.Count; i++)
                {
                    list[i] = Materialize(list[i]);
                }

                return list;
            default:
                return value;
        }
    }

    public static string Describe(object? value) => value switch
    {
        null => "None",
        byte[] b => "b'" + Convert.ToHexString(b) + "'",
        AimObject o => o.TypeName + "{" + string.Join(", ", o.Fields.Select(f => f.Key + ": " + Describe(f.Value))) + "}",
        IDictionary d => "{" + string.Join(", ", d.Keys.Cast<object>().Select(k => k + ": " + Describe(d[k]))) + "}",
        IList l => "[" + string.Join(", ", l.Cast<object?>().Select(Describe)) + "]",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    public static bool SameContext(IReadOnlyDictionary<string, object?> a, IReadOnlyDictionary<string, object?> b) =>
        a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out object? v) && Equals(v, e.Value));
}

/// <summary>A repo in a temp folder for a test; runs are created, filled and closed through <see cref="AddRun"/>.</summary>
internal sealed class StreamTestRepo : IDisposable
{
    private readonly TempDirectory _dir = new();

    public StreamTestRepo(RepoOptions? options = null) => Repo = AimLsm.Tree.Repo.Open(_dir.Path, options);

    public AimLsm.Tree.Repo Repo { get; }

    /// <summary>Creates a run, lets <paramref name="fill"/> track into it, closes it and returns a read-only view.</summary>
    public AimLsm.Tree.Run AddRun(Action<AimLsm.Tree.Run> fill, string? experiment = null)
    {
        string hash;
        using (AimLsm.Tree.Run run = Repo.CreateRun(experiment))
        {
            fill(run);
            hash = run.Hash;
        }

        return Repo.GetRun(hash);
    }

    public void Dispose()
    {
        Repo.Dispose();
        _dir.Dispose();
    }
}
