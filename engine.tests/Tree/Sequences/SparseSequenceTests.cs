using AimLsm.Tests.Testing;
using AimLsm.Tests.Tree.Repo;
using AimLsm.Tree;
using AimLsm.Tree.Sequences;

namespace AimLsm.Tests.Tree.Sequences;

/// <summary>
/// Sparse sequences (issue 14, point 4): with more sequences than <see cref="SequenceWriter.SparseGap"/> tracked step
/// by step, every sequence's points are that far apart, so each tail is written and dropped at its point and read
/// back at the next one. Appends, overwrites of the tail's steps, late points below a dropped tail and a seal of a
/// full chunk all go through a reloaded tail; records and metadata equal the oracle after a flush and a reopen.
/// </summary>
public class SparseSequenceTests
{
    [Fact]
    public void Sparse_sequences_tracked_step_by_step_read_back_whole_after_a_flush_and_a_reopen()
    {
        int sequences = (int)SequenceWriter.SparseGap + 1_000;
        const int ChunkSize = 3; // step 3 seals the first chunk of every sequence through a reloaded tail
        using var dir = new TempDirectory();
        var options = new RepoOptions { SequenceChunkSize = ChunkSize };
        var names = new string[sequences];
        for (int i = 0; i < sequences; i++)
        {
            names[i] = $"s{i}";
        }

        // Oracle: sequence i holds value(i, step) at steps 0..4, except that every 97th sequence had step 1
        // overwritten with -i after step 2 (an overwrite inside a reloaded tail) and every 89th got step -5 last (a
        // point below a dropped tail: the late-point path).
        static double Value(int i, long step) => i + step / 10.0;
        double Expected(int i, long step) => step == 1 && i % 97 == 0 ? -i : Value(i, step);

        string hash;
        using (var repo = AimLsm.Tree.Repo.Open(dir.Path, options))
        using (Run run = repo.CreateRun())
        {
            hash = run.Hash;
            for (long step = 0; step < 5; step++)
            {
                for (int i = 0; i < sequences; i++)
                {
                    run.Track(Value(i, step), names[i], step);
                }

                if (step == 2)
                {
                    for (int i = 0; i < sequences; i += 97)
                    {
                        run.Track((double)-i, names[i], 1);
                    }

                    run.Flush();
                }
            }

            for (int i = 0; i < sequences; i += 89)
            {
                run.Track(-1.0, names[i], -5);
            }

            run.Flush();
        }

        using var reader = AimLsm.Tree.Repo.OpenReadOnly(dir.Path);
        Run read = reader.Runs.Single(r => r.Hash == hash);
        for (int i = 0; i < sequences; i++)
        {
            Sequence m = read.GetSequence(names[i]);
            SequenceData d = m.Read();
            long[] steps = i % 89 == 0 ? [-5, 0, 1, 2, 3, 4] : [0, 1, 2, 3, 4];
            Assert.Equal(steps, d.Steps);
            Assert.Equal(steps.Select(s => s == -5 ? -1.0 : Expected(i, s)), d.Numbers!);
            SequenceInfo info = m.Info;
            Assert.Equal(steps.Length, info.Count);
            Assert.Equal(4, info.LastStep);
            Assert.Equal(Value(i, 4), info.Last);
        }
    }
}
