using System.Buffers.Binary;
using AimLsm.Kv.Keys;

namespace AimLsm.Kv.Sst;

/// <summary>
/// Finds the data block of a key in a table's pinned index block with a binary search over an array of integers
/// instead of the block's own binary search, which reads a restart offset and then the key it points at on every
/// probe: at 15,000 index entries a table, 14 dependent loads scattered over half a megabyte, most of them CPU cache
/// misses (14-15% of a point read, PROFILE.md "Read rows"). Built from the index block's bytes when the table is
/// opened; no file format change. Immutable after construction, so thread-safe.
/// <para>
/// Layout. Every index key's user key starts with the same <see cref="_prefix"/> (the common prefix of the first and
/// the last one: the keys are sorted). Entry i keeps <c>_words[i]</c>: the 8 user-key bytes after the prefix, big
/// endian, padded with zeros when the key is shorter. That map is monotone (a &lt;= b implies word(a) &lt;= word(b)),
/// so a word below the target's means a key below it and a word above means a key above; only the entries whose
/// word equals the target's need the full internal-key compare, in place in the index block. With db_bench's keys
/// (and any keys that differ within 8 bytes after their common prefix) that is at most one or two entries.
/// </para>
/// <para>
/// It holds only for an index whose every entry is a restart point (written with restart interval 1, as
/// <see cref="TableBuilder"/> always has): entry i is then restart point i, and its key lies whole in the block.
/// <see cref="TryBuild"/> returns null for any other index (and for one it cannot decode), and the reader keeps
/// using the block's own search, which reports damage as before.
/// </para>
/// </summary>
internal sealed class IndexSearch
{
    private readonly byte[] _index;
    private readonly byte[] _prefix;
    private readonly ulong[] _words;
    private readonly int[] _keyStarts;   // entry i's internal key is _index[_keyStarts[i] .. + _keyLengths[i])
    private readonly int[] _keyLengths;
    private readonly BlockHandle[] _handles;

    private IndexSearch(byte[] index, byte[] prefix, ulong[] words, int[] keyStarts, int[] keyLengths, BlockHandle[] handles)
    {
        _index = index;
        _prefix = prefix;
        _words = words;
        _keyStarts = keyStarts;
        _keyLengths = keyLengths;
        _handles = handles;
    }

    /// <summary>Index entries, one per data block.</summary>
    public int Count => _words.Length;

    /// <summary>The bytes every index key's user key starts with (for tests).</summary>
    internal ReadOnlySpan<byte> Prefix => _prefix;

    /// <summary>The data block of entry <paramref name="entry"/> (0 &lt;= entry &lt; <see cref="Count"/>).</summary>
    public BlockHandle Handle(int entry) => _handles[entry];

    /// <summary>
    /// The search structure of an index block (its contents, without the trailer), or null when the block is not
    /// one restart point per entry, its keys are not ascending, or an entry does not decode.
    /// </summary>
    public static IndexSearch? TryBuild(byte[] index, string path, long fileOffset)
    {
        var it = new BlockIterator(internalKeys: true);
        it.Reset(index, 0, index.Length, path, fileOffset);
        int restarts = it.RestartCount;
        var starts = new int[restarts];
        var lengths = new int[restarts];
        var handles = new BlockHandle[restarts];
        int count = 0;
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            if (count == restarts || BlockHandle.TryDecode(it.Value, out handles[count]) == 0)
            {
                return null;
            }
            starts[count] = it.RestartKeyStart(count, out lengths[count]);
            ReadOnlySpan<byte> key = index.AsSpan(starts[count], lengths[count]);
            if (!key.SequenceEqual(it.Key)
                || (count > 0 && InternalKey.Compare(index.AsSpan(starts[count - 1], lengths[count - 1]), key) >= 0))
            {
                return null;
            }
            count++;
        }
        if (count != restarts)
        {
            return null;
        }

        byte[] prefix = [];
        if (count > 0)
        {
            ReadOnlySpan<byte> first = UserKey(index, starts[0], lengths[0]);
            ReadOnlySpan<byte> last = UserKey(index, starts[count - 1], lengths[count - 1]);
            prefix = first[..first.CommonPrefixLength(last)].ToArray();
        }
        var words = new ulong[count];
        for (int i = 0; i < count; i++)
        {
            words[i] = Word(UserKey(index, starts[i], lengths[i]), prefix.Length);
        }
        return new IndexSearch(index, prefix, words, starts, lengths, handles);
    }

    private static ReadOnlySpan<byte> UserKey(byte[] index, int start, int length) =>
        index.AsSpan(start, length - InternalKey.TrailerSize);

    /// <summary>The 8 bytes of <paramref name="userKey"/> after its first <paramref name="skip"/>, big endian, zero-padded.</summary>
    private static ulong Word(ReadOnlySpan<byte> userKey, int skip)
    {
        ReadOnlySpan<byte> rest = userKey[skip..];
        if (rest.Length >= sizeof(ulong))
        {
            return BinaryPrimitives.ReadUInt64BigEndian(rest);
        }
        Span<byte> padded = stackalloc byte[sizeof(ulong)];
        padded.Clear();
        rest.CopyTo(padded);
        return BinaryPrimitives.ReadUInt64BigEndian(padded);
    }

    /// <summary>
    /// The first entry whose key is at or after the internal key <paramref name="target"/>, or <see cref="Count"/>
    /// when there is none: what the index block's <c>Seek</c> would position on.
    /// </summary>
    public int Seek(ReadOnlySpan<byte> target)
    {
        ReadOnlySpan<byte> user = target[..^InternalKey.TrailerSize];
        int p = _prefix.Length;
        if (user.Length < p || !user[..p].SequenceEqual(_prefix))
        {
            // The target does not start with the prefix every key starts with: it sorts before them all (also when
            // it is a proper prefix of the prefix: the keys are longer) or after them all.
            int c = user[..Math.Min(user.Length, p)].SequenceCompareTo(_prefix);
            return c <= 0 ? 0 : _words.Length;
        }
        ulong w = Word(user, p);
        ulong[] words = _words;

        // The entries below lo have smaller words, so smaller keys; those from hi on have larger words, so larger
        // keys. The answer is in [lo, hi], decided by the full compare among the equal words.
        int lo = 0, hi = words.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (words[mid] < w)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        if (lo == words.Length || words[lo] != w)
        {
            return lo;
        }
        // Usually one entry has the target's word; a binary search keeps many (keys alike for their first 8 bytes
        // after the prefix) logarithmic too.
        int end = lo + 1;
        hi = end < words.Length && words[end] == w ? words.Length : end;
        while (end < hi)
        {
            int mid = (end + hi) >>> 1;
            if (words[mid] <= w)
            {
                end = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        hi = end;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (InternalKey.Compare(_index.AsSpan(_keyStarts[mid], _keyLengths[mid]), target) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }
}
