using AimLsm.Kv.Common;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Memtable;

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
}
