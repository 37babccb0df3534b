using AimLsm.Kv.Common;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Memtable;
using AimLsm.Kv.Versions;
using Version = AimLsm.Kv.Versions.Version;
using AimLsm.Tree.Sequences;

namespace AimLsm.Tests.Common;

/// <summary>
/// The invariants build (issue 16): under <c>-c Invariants</c> the engine's checks are compiled in and a violation
/// throws; in every other build they cost nothing. CI runs this class under both, so a configuration that silently
/// stopped defining INVARIANTS would fail here.
/// </summary>
public class InvariantTests
{
    [Fact]
    public void The_invariants_build_checks_and_every_other_build_does_not()
    {
#if INVARIANTS
        Assert.True(Invariant.Enabled);
#else
        Assert.False(Invariant.Enabled);
#endif
    }

    [Fact]
    public void An_equal_internal_key_inserted_twice_into_a_memtable_violates_an_invariant_only_when_checked()
    {
        var mem = new MemTable(0, 1 << 20);
        mem.Add(7, EntryType.Value, "k"u8, "v1"u8);
        if (Invariant.Enabled)
        {
            InvariantViolationException e = Assert.Throws<InvariantViolationException>(() => mem.Add(7, EntryType.Value, "k"u8, "v2"u8));
            Assert.Contains("equal internal keys", e.Message, StringComparison.Ordinal);
        }
        else
        {
            mem.Add(7, EntryType.Value, "k"u8, "v2"u8); // unchecked: the caller's promise, as in LevelDB
        }
    }

    [Fact]
    public void Overlapping_tables_in_one_level_violate_an_invariant_only_when_checked()
    {
        // Two level-1 tables whose key ranges overlap ([a, m] and [k, z]): compaction must never install this.
        var edit = new VersionEdit();
        edit.NewFiles.Add((1, Table(7, "a", "m")));
        edit.NewFiles.Add((1, Table(8, "k", "z")));
        Version overlapping = Version.Empty.Apply(edit);
        var fine = new VersionEdit();
        fine.NewFiles.Add((1, Table(7, "a", "j")));
        fine.NewFiles.Add((1, Table(8, "k", "z")));
        VersionSet.CheckLevels(Version.Empty.Apply(fine)); // disjoint, in order: holds in every build

        if (Invariant.Enabled)
        {
            InvariantViolationException e = Assert.Throws<InvariantViolationException>(() => VersionSet.CheckLevels(overlapping));
            Assert.Contains("tables 7 and 8 of level 1", e.Message, StringComparison.Ordinal);
        }
        else
        {
            VersionSet.CheckLevels(overlapping);
        }
    }

    [Fact]
    public void A_chunk_appended_below_its_last_step_violates_an_invariant_only_when_checked()
    {
        // The tree layer's chunk order, asserted in the AimLsm assembly through the engine's public Invariant.
        var chunk = new SequenceChunk();
        chunk.Append(new SequencePoint(5, 0, 0, TrackedValue.Float(1.0)));
        var below = new SequencePoint(3, 0, 0, TrackedValue.Float(2.0));
        if (Invariant.Enabled)
        {
            InvariantViolationException e = Assert.Throws<InvariantViolationException>(() => chunk.Append(below));
            Assert.Contains("step above every step", e.Message, StringComparison.Ordinal);
        }
        else
        {
            chunk.Append(below); // unchecked: the writer's promise
            Assert.Equal(2, chunk.Count);
        }
    }

    [Fact]
    public void A_chunk_indexed_out_of_step_order_violates_an_invariant_only_when_checked()
    {
        var index = new ChunkIndex();
        index.Add(new ChunkSlot(100, null, null));
        var lower = new ChunkSlot(50, null, null);
        if (Invariant.Enabled)
        {
            Assert.Throws<InvariantViolationException>(() => index.Add(lower));
            Assert.Equal(1, index.Count);
        }
        else
        {
            index.Add(lower);
            Assert.Equal(2, index.Count);
        }
    }

    private static FileMetadata Table(ulong number, string smallest, string largest) =>
        new(number, 1000, InternalKey.Make(System.Text.Encoding.ASCII.GetBytes(smallest), 1, EntryType.Value),
            InternalKey.Make(System.Text.Encoding.ASCII.GetBytes(largest), 1, EntryType.Value), 1, 1);
}
