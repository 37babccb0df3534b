using System.Text;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Versions;
using LsmVersion = AimLsm.Kv.Versions.Version;

namespace AimLsm.Tests.Lsm.Version;

public class VersionTests
{
    private static FileMetadata File(ulong number, string smallest, string largest, ulong largestSeq = 1) =>
        new(number, 100, InternalKey.Make(System.Text.Encoding.ASCII.GetBytes(smallest), 1, EntryType.Value),
            InternalKey.Make(System.Text.Encoding.ASCII.GetBytes(largest), 1, EntryType.Value), 1, largestSeq);

    private static VersionEdit Add(params (int Level, FileMetadata File)[] files)
    {
        var edit = new VersionEdit();
        edit.NewFiles.AddRange(files);
        return edit;
    }

    private static VersionEdit Delete(params (int Level, ulong Number)[] files)
    {
        var edit = new VersionEdit();
        edit.DeletedFiles.AddRange(files);
        return edit;
    }

    [Fact]
    public void Empty_has_no_files()
    {
        Assert.Equal(0, LsmVersion.Empty.FileCount);
        for (int level = 0; level < LsmVersion.NumLevels; level++)
        {
            Assert.Empty(LsmVersion.Empty.Files(level));
        }
    }

    [Fact]
    public void Apply_adds_and_deletes_without_changing_the_original()
    {
        LsmVersion v1 = LsmVersion.Empty.Apply(Add((0, File(1, "a", "c")), (1, File(2, "d", "f"))));
        Assert.Equal(2, v1.FileCount);
        Assert.Equal(0, LsmVersion.Empty.FileCount);
        LsmVersion v2 = v1.Apply(Delete((0, 1)));
        Assert.Equal(1, v2.FileCount);
        Assert.Empty(v2.Files(0));
        Assert.Equal(2UL, v2.Files(1)[0].Number);
        Assert.Equal(2, v1.FileCount);
        Assert.Equal(new ulong[] { 1, 2 }, v1.AllFiles.Select(f => f.Number).OrderBy(n => n).ToArray());
    }

    [Fact]
    public void Apply_deleting_missing_file_throws()
    {
        LsmVersion v = LsmVersion.Empty.Apply(Add((1, File(1, "a", "c"))));
        Assert.Throws<FormatException>(() => v.Apply(Delete((1, 99))));
        // The file exists, but on another level.
        Assert.Throws<FormatException>(() => v.Apply(Delete((0, 1))));
    }

    [Fact]
    public void Apply_adding_file_twice_throws()
    {
        LsmVersion v = LsmVersion.Empty.Apply(Add((1, File(1, "a", "c"))));
        Assert.Throws<FormatException>(() => v.Apply(Add((2, File(1, "x", "y")))));
        Assert.Throws<FormatException>(() => LsmVersion.Empty.Apply(Add((0, File(3, "a", "b")), (0, File(3, "a", "b")))));
    }

    [Fact]
    public void Apply_move_between_levels_in_one_edit()
    {
        LsmVersion v = LsmVersion.Empty.Apply(Add((0, File(1, "a", "c"))));
        VersionEdit move = Delete((0, 1));
        move.NewFiles.Add((1, File(1, "a", "c")));
        LsmVersion moved = v.Apply(move);
        Assert.Empty(moved.Files(0));
        Assert.Single(moved.Files(1));
    }

    [Fact]
    public void Level_0_newest_first_by_largest_sequence_then_number()
    {
        LsmVersion v = LsmVersion.Empty.Apply(Add(
            (0, File(1, "a", "z", largestSeq: 10)),
            (0, File(2, "a", "z", largestSeq: 30)),
            (0, File(3, "a", "z", largestSeq: 20)),
            (0, File(4, "a", "z", largestSeq: 30))));
        Assert.Equal(new ulong[] { 4, 2, 3, 1 }, v.Files(0).Select(f => f.Number).ToArray());
    }

    [Fact]
    public void Levels_above_zero_sorted_by_smallest_key()
    {
        LsmVersion v = LsmVersion.Empty.Apply(Add((2, File(1, "m", "n")), (2, File(2, "a", "b")), (2, File(3, "x", "y"))));
        Assert.Equal(new ulong[] { 2, 1, 3 }, v.Files(2).Select(f => f.Number).ToArray());
    }

    [Fact]
    public void File_metadata_may_contain_bounds_inclusive()
    {
        FileMetadata f = File(1, "b", "d");
        Assert.False(f.MayContain("a"u8));
        Assert.True(f.MayContain("b"u8));
        Assert.True(f.MayContain("c"u8));
        Assert.True(f.MayContain("d"u8));
        Assert.False(f.MayContain("da"u8));
        Assert.False(new FileMetadata(2, 0, [], [], 0, 0).MayContain("a"u8));
    }
}
