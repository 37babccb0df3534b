using System.Runtime.CompilerServices;
using AimLsm.Kv.Common;
using AimLsm.Kv.Keys;

namespace AimLsm.Kv.Memtable;

/// <summary>
/// A skiplist of internal keys and values laid out in an <see cref="Arena"/> (LevelDB's skiplist.h).
/// Node layout, 8-aligned: key length (i32), value length (i32), height (i32), padding (i32),
/// next pointers (height x 8 bytes), internal key bytes, value bytes.
/// Thread safety: one writer at a time (the caller serializes <see cref="Insert(ReadOnlySpan{byte}, ulong, EntryType, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>); any number of concurrent readers
/// without locks. A node is fully written before a release store links it in, and readers follow links with
/// acquire loads, so they see either the old list or the new node complete.
/// Invariant: keys are unique (every entry has its own sequence number) and ascend in internal-key order.
/// Invariant: <c>_last[i]</c> is the last node of level <c>i</c>'s list (the head while that level is empty), so
/// an insert past the last key (sequential keys: fillseq, a batch of ascending keys, log-structured appends) links in
/// without a search (RocksDB's InlineSkipList keeps a splice for the same reason).
/// </summary>
internal sealed unsafe class SkipList
{
    public const int MaxHeight = 12;
    private const int HeaderBytes = 16;
    private readonly Arena _arena;
    private readonly byte* _head;

    /// <summary>The last node of each level, in the arena (<see cref="MaxHeight"/> pointers). Writer-only.</summary>
    private readonly byte** _last;
    private int _height = 1;
    private uint _rng = 0xdeadbeef;

    public SkipList(Arena arena)
    {
        _arena = arena;
        _head = NewNode(MaxHeight, 0, 0);
        _last = (byte**)arena.Allocate(MaxHeight * sizeof(nint));
        for (int i = 0; i < MaxHeight; i++)
        {
            _last[i] = _head;
        }
    }

    /// <summary>The number of entries.</summary>
    public int Count { get; private set; }

    private int Height => Volatile.Read(ref _height);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* NextAt(byte* node, int level) =>
        (byte*)Volatile.Read(ref *(nint*)(node + HeaderBytes + (level * 8)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetNextRelease(byte* node, int level, byte* next) =>
        Volatile.Write(ref *(nint*)(node + HeaderBytes + (level * 8)), (nint)next);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetNextPlain(byte* node, int level, byte* next) =>
        *(nint*)(node + HeaderBytes + (level * 8)) = (nint)next;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> KeyOf(byte* node) =>
        new(node + HeaderBytes + (*(int*)(node + 8) * 8), *(int*)node);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> ValueOf(byte* node) =>
        new(node + HeaderBytes + (*(int*)(node + 8) * 8) + *(int*)node, *(int*)(node + 4));

    private byte* NewNode(int height, int keyLength, int valueLength)
    {
        byte* n = _arena.Allocate(HeaderBytes + (height * 8) + keyLength + valueLength);
        *(int*)n = keyLength;
        *(int*)(n + 4) = valueLength;
        *(int*)(n + 8) = height;
        // Arena memory may be a reused chunk: links must start null.
        new Span<byte>(n + HeaderBytes, height * 8).Clear();
        return n;
    }

    private int RandomHeight()
    {
        // Branching factor 4, xorshift: cheap and good enough for balance.
        int h = 1;
        while (h < MaxHeight)
        {
            _rng ^= _rng << 13;
            _rng ^= _rng >> 17;
            _rng ^= _rng << 5;
            if ((_rng & 3) != 0)
            {
                break;
            }
            h++;
        }
        return h;
    }

    /// <summary>
    /// Inserts an entry: the internal key is <paramref name="userKey"/> with (<paramref name="sequence"/>, <paramref name="type"/>).
    /// REQUIRES: external synchronization with other inserts; no equal key already present.
    /// </summary>
    public void Insert(ReadOnlySpan<byte> userKey, ulong sequence, EntryType type, ReadOnlySpan<byte> value) =>
        Insert(userKey, sequence, type, value, default);

    /// <summary>Inserts an entry whose value is <paramref name="valueHead"/> followed by <paramref name="valueTail"/>
    /// (a large value written without a batch copy, see <see cref="Db.LargeValueBytes"/>); otherwise as the overload above.</summary>
    public void Insert(ReadOnlySpan<byte> userKey, ulong sequence, EntryType type, ReadOnlySpan<byte> valueHead, ReadOnlySpan<byte> valueTail)
    {
        int keyLength = userKey.Length + InternalKey.TrailerSize;
        int height = RandomHeight();
        byte* node = NewNode(height, keyLength, valueHead.Length + valueTail.Length);
        Span<byte> keyDest = new(node + HeaderBytes + (height * 8), keyLength);
        InternalKey.Write(keyDest, userKey, sequence, type);
        byte* valueDest = node + HeaderBytes + (height * 8) + keyLength;
        valueHead.CopyTo(new Span<byte>(valueDest, valueHead.Length));
        valueTail.CopyTo(new Span<byte>(valueDest + valueHead.Length, valueTail.Length));

        byte** prev = stackalloc byte*[MaxHeight];
        int current = _height;
        if (_last[0] != _head && InternalKey.Compare(KeyOf(_last[0]), keyDest) < 0)
        {
            // Past the last key: at every level the last node is the predecessor; no search.
            for (int i = 0; i < current; i++)
            {
                prev[i] = _last[i];
            }
        }
        else
        {
            byte* following = FindGreaterOrEqual(keyDest, prev);
            Invariant.Holds(following == null || InternalKey.Compare(KeyOf(following), keyDest) != 0,
                "a skiplist never holds two equal internal keys (each write has its own sequence number)");
        }
        if (height > current)
        {
            for (int i = current; i < height; i++)
            {
                prev[i] = _head;
            }
            // Readers that see the new height before the node follow null links from head: harmless.
            Volatile.Write(ref _height, height);
        }
        for (int i = 0; i < height; i++)
        {
            byte* after = NextAt(prev[i], i);
            SetNextPlain(node, i, after);
            SetNextRelease(prev[i], i, node);
            if (after == null)
            {
                _last[i] = node;
            }
        }
        Count++;
    }

    /// <summary>The first node whose key is at least <paramref name="key"/>, or null; fills <paramref name="prev"/> when given.</summary>
    public byte* FindGreaterOrEqual(ReadOnlySpan<byte> key, byte** prev = null)
    {
        byte* x = _head;
        int level = Height - 1;
        while (true)
        {
            byte* next = NextAt(x, level);
            if (next != null && InternalKey.Compare(KeyOf(next), key) < 0)
            {
                x = next;
                continue;
            }
            if (prev != null)
            {
                prev[level] = x;
            }
            if (level == 0)
            {
                return next;
            }
            level--;
        }
    }

    /// <summary>The last node whose key is less than <paramref name="key"/>, or null.</summary>
    public byte* FindLessThan(ReadOnlySpan<byte> key)
    {
        byte* x = _head;
        int level = Height - 1;
        while (true)
        {
            byte* next = NextAt(x, level);
            if (next != null && InternalKey.Compare(KeyOf(next), key) < 0)
            {
                x = next;
                continue;
            }
            if (level == 0)
            {
                return x == _head ? null : x;
            }
            level--;
        }
    }

    /// <summary>The last node, or null when empty.</summary>
    public byte* FindLast()
    {
        byte* x = _head;
        int level = Height - 1;
        while (true)
        {
            byte* next = NextAt(x, level);
            if (next != null)
            {
                x = next;
                continue;
            }
            if (level == 0)
            {
                return x == _head ? null : x;
            }
            level--;
        }
    }

    /// <summary>The first node, or null when empty.</summary>
    public byte* First => NextAt(_head, 0);

    /// <summary>The node after <paramref name="node"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Next(byte* node) => NextAt(node, 0);
}
