using AimLsm.Kv;
using System.Buffers;
using System.Buffers.Binary;
using AimLsm.Kv.Common;
using AimLsm.Tests.Testing;
using AimLsm.Tests.Tree.Repo;
using AimLsm.Tree;
using AimLsm.Encoding;
using AimLsm.Tree.Sequences;
using AimLsm.Tree.Storage;

namespace AimLsm.Tests.Tree.Sequences;

/// <summary>
/// Chunk format versions (docs/format.md, section 13.2): the writer writes version 2; version-1 chunks, written by
/// earlier builds, are still read, appended to and rewritten; an unknown version is refused with its number.
/// </summary>
public class ChunkVersionTests
{
    /// <summary>A version-1 chunk laid out by hand as docs/format.md 13.2 (version 1) draws it: float values.</summary>
    private static byte[] Version1Floats(long[] steps, long[]? epochs, long[] micros, double[] values)
    {
        var w = new ArrayBufferWriter<byte>();
        Span<byte> head = w.GetSpan(2 + Varint.MaxLength32);
        head[0] = 1;
        head[1] = 1;
        w.Advance(2 + Varint.Write(head[2..], (ulong)steps.Length));
        IntColumn.Write(w, steps);
        w.Write([(byte)(epochs is null ? 0 : 1)]);
        if (epochs is not null)
        {
            IntColumn.Write(w, epochs);
        }

        IntColumn.Write(w, micros);
        foreach (double v in values)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(w.GetSpan(8), v);
            w.Advance(8);
        }

        return w.WrittenSpan.ToArray();
    }

    [Fact]
    public void A_version_1_chunk_is_read_column_by_column()
    {
        long[] steps = [0, 1, 2, 5, 9];
        long[] epochs = [0, 0, 1, 1, 3];
        long[] micros = [1_700_000_000_000_000, 1_700_000_000_000_100, 1_700_000_000_000_250, 1_700_000_000_001_000, 1_700_000_000_090_000];
        double[] values = [0.5, -1.25, double.NaN, 1e300, -0.0];
        var view = new ChunkView(Version1Floats(steps, epochs, micros, values));
        Assert.Equal(ChunkFormat.Version1, view.Version);
        Assert.Equal(5, view.Count);
        var floats = new double[5];
        view.CopyFloats(0, floats);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(steps[i], view.Steps[i]);
            Assert.Equal(epochs[i], view.Epoch(i));
            Assert.Equal(micros[i], view.TimesMicros[i]);
            Assert.Equal(BitConverter.DoubleToInt64Bits(values[i]), BitConverter.DoubleToInt64Bits(view.Number(i)));
            Assert.Equal(BitConverter.DoubleToInt64Bits(values[i]), BitConverter.DoubleToInt64Bits(floats[i]));
        }
    }

    [Fact]
    public void The_writer_writes_version_2_and_reads_it_back()
    {
        var chunk = new SequenceChunk();
        for (int i = 0; i < 300; i++)
        {
            TrackedValue value = (i % 3) switch
            {
                0 => TrackedValue.Float(i * 0.5),
                1 => TrackedValue.Int(-i),
                _ => ValueCodec.FromObject("text " + i, 4096),
            };
            chunk.Append(new SequencePoint(i * 2, i % 7 == 0 ? ChunkFormat.NoEpoch : i / 10, 1_700_000_000_000_000 + (i * 37), value));
        }

        var output = new ArrayBufferWriter<byte>();
        chunk.Encode(output, new ArrayBufferWriter<byte>());
        Assert.Equal(ChunkFormat.Version, output.WrittenSpan[0]);
        var view = new ChunkView(output.WrittenSpan);
        Assert.Equal(300, view.Count);
        for (int i = 0; i < 300; i++)
        {
            Assert.Equal(i * 2, view.Steps[i]);
            Assert.Equal(i % 7 == 0 ? ChunkFormat.NoEpoch : i / 10, view.Epoch(i));
            Assert.Equal(1_700_000_000_000_000 + (i * 37), view.TimesMicros[i]);
            Assert.Equal(RepoTestKit.Render(chunk.ValueAt(i).ToObject(null)), RepoTestKit.Render(view.Value(i).ToObject(null)));
        }
    }

    [Fact]
    public void An_unknown_version_is_refused_with_its_number()
    {
        byte[] data = Version1Floats([0], null, [0], [1.0]);
        data[0] = 3;
        var e = Assert.Throws<AimFormatException>(() => new ChunkView(data));
        Assert.Contains("format version 3", e.Message);
        Assert.Contains("sequence chunk", e.Message);
    }

    [Fact]
    public void A_repo_with_version_1_chunks_reads_them_and_tracks_into_them()
    {
        // Steps 0..9 tracked (one chunk at key 0), then that chunk replaced by its version-1 form, as an earlier build
        // wrote it; then a reopen, an append, a late point, an overwrite and a new first step go through the writer,
        // which decodes the version-1 chunks and rewrites them as version 2.
        using var dir = new TempDirectory();
        var options = new RepoOptions { SequenceChunkSize = 8 };
        var model = new SortedDictionary<long, double>();
        RepoTestKit.AcrossAReopen(dir.Path, options,
            run =>
            {
                for (long step = 0; step < 20; step++)
                {
                    run.Track(step * 1.5, "m", step, step / 4);
                    model[step] = step * 1.5;
                }

                run.Flush();
                RepoTestKit.WithEngine(run, db =>
                {
                    Context none = new();
                    byte[] prefix = RepoKeys.Sequence(run.Hash, none.Id, "m");
                    var keys = new List<(byte[] Key, long[] Steps)>();
                    using (Iterator it = db.NewIterator(new ReadOptions { LowerBound = prefix, UpperBound = TreePath.SubtreeUpperBound(prefix) }))
                    {
                        for (it.Seek(prefix); it.Valid; it.Next())
                        {
                            var view = new ChunkView(it.Value);
                            var steps = new long[view.Count];
                            view.Steps.CopyTo(0, steps);
                            keys.Add((it.Key.ToArray(), steps));
                        }
                    }

                    Assert.True(keys.Count >= 2, "several chunks");
                    foreach ((byte[] key, long[] steps) in keys)
                    {
                        db.Put(key, Version1Floats(steps, [.. steps.Select(s => s / 4)], [.. steps.Select(s => 1_000_000 * s)], [.. steps.Select(s => s * 1.5)]));
                    }
                });

                SequenceData read = run.GetSequence("m").Read();
                Assert.Equal(model.Keys, read.Steps);
                Assert.Equal(model.Values, read.Numbers!);
                Assert.Equal(model.Keys.Select(s => (long?)(s / 4)), read.Epochs);
                // Decoded at first use from the version-1 columns the read kept (issue 20.5).
                Assert.Equal(model.Keys.Select(s => (double)s), read.Timestamps);
            },
            run =>
            {
                Sequence m = run.GetSequence("m");
                Assert.Equal(model.Keys, m.Read().Steps);
                foreach ((long step, double value) in new[] { (20L, 30.0), (5L, -5.0), (21L, 31.5), (-3L, 7.0), (11L, 0.25) })
                {
                    run.Track(value, "m", step);
                    model[step] = value;
                }

                run.Flush();
                SequenceData read = m.Read();
                Assert.Equal(model.Keys, read.Steps);
                Assert.Equal(model.Values, read.Numbers!);
                Assert.Equal(model.Keys.Where(s => s is >= 4 and < 12), m.Read(4, 12).Steps);
                Assert.Equal(-3, m.Info.FirstStep);
                Assert.Equal(21, m.Info.LastStep);
            });
    }
}
