using System.Buffers.Binary;
using AimLsm.Kv.Common;
using AimLsm.Kv.Keys;

namespace AimLsm.Kv;

/// <summary>
/// A group of updates applied atomically by <see cref="Db.Write(WriteBatch, WriteOptions?)"/>: all or nothing, after a crash too, because the
/// batch is one WAL record, and with consecutive sequence numbers. The encoding is RocksDB's (docs/format.md,
/// "Write batch"): a 12-byte header (sequence u64, count u32, little-endian) then one record per update:
/// a tag byte (<c>0x1</c> Put, <c>0x0</c> Delete, <c>0xF</c> DeleteRange) and varint-length-prefixed strings.
/// </summary>
/// <remarks>Not thread-safe. A batch can be reused after <see cref="Clear"/>.</remarks>
public sealed class WriteBatch
{
    internal const int HeaderSize = BatchReader.HeaderSize;
    private byte[] _data;
    private int _length;

    /// <summary>Creates an empty batch.</summary>
    public WriteBatch()
    {
        _data = new byte[64];
        _length = HeaderSize;
    }

    /// <summary>The number of updates in the batch.</summary>
    public int Count => (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(8));

    /// <summary>The size of the batch's encoding in bytes.</summary>
    public int DataSize => _length;

    /// <summary>The encoded batch, header included.</summary>
    internal ReadOnlySpan<byte> Data => _data.AsSpan(0, _length);

    /// <summary>The sequence number of the first update, set when the batch is written.</summary>
    internal ulong Sequence
    {
        get => BinaryPrimitives.ReadUInt64LittleEndian(_data);
        set => BinaryPrimitives.WriteUInt64LittleEndian(_data, value);
    }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">The key or value exceeds <see cref="Limits"/>.</exception>
    public WriteBatch Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        CheckKey(key, nameof(key));
        if (value.Length > Limits.MaxValueSize)
        {
            ThrowHelper.ThrowArgument($"The value is {value.Length} bytes; the limit is {Limits.MaxValueSize}.", nameof(value));
        }
        Append(EntryType.Value, key, value, hasSecond: true);
        return this;
    }

    /// <summary>
    /// Appends a put of <paramref name="key"/> whose value is <paramref name="valueHead"/> followed by
    /// <paramref name="tailLength"/> more bytes that the batch does not hold: the encoding stops after the head, and the
    /// writer supplies the tail (<see cref="Db.LargeValueBytes"/>: a large value, which so never copies it into a batch). Such
    /// a batch holds this one update and is written only by the writer that made it.
    /// </summary>
    internal void PutHead(ReadOnlySpan<byte> key, ReadOnlySpan<byte> valueHead, int tailLength)
    {
        CheckKey(key, nameof(key));
        long total = (long)valueHead.Length + tailLength;
        if (total > Limits.MaxValueSize)
        {
            ThrowHelper.ThrowArgument($"The value is {total} bytes; the limit is {Limits.MaxValueSize}.", "value");
        }
        EnsureCapacity(_length + 1 + (2 * Varint.MaxLength32) + key.Length + valueHead.Length);
        Span<byte> d = _data.AsSpan(_length);
        int p = 0;
        d[p++] = (byte)EntryType.Value;
        p += Varint.Write(d[p..], (uint)key.Length);
        key.CopyTo(d[p..]);
        p += key.Length;
        p += Varint.Write(d[p..], (uint)total);
        valueHead.CopyTo(d[p..]);
        _length += p + valueHead.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(_data.AsSpan(8), (uint)Count + 1);
    }

    /// <summary>The key and value head of a batch made by <see cref="PutHead"/>.</summary>
    internal void ReadHead(out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> valueHead)
    {
        ReadOnlySpan<byte> d = Data[(HeaderSize + 1)..];
        int n = Varint.TryRead32(d, out uint keyLength);
        key = d.Slice(n, (int)keyLength);
        d = d[(n + (int)keyLength)..];
        n = Varint.TryRead32(d, out _);
        valueHead = d[n..];
    }

    /// <summary>Removes <paramref name="key"/>, if present. Deleting an absent key is not an error.</summary>
    public WriteBatch Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key, nameof(key));
        Append(EntryType.Deletion, key, default, hasSecond: false);
        return this;
    }

    /// <summary>Removes every key in the half-open range [<paramref name="begin"/>, <paramref name="end"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="begin"/> sorts after <paramref name="end"/>.</exception>
    public WriteBatch DeleteRange(ReadOnlySpan<byte> begin, ReadOnlySpan<byte> end)
    {
        CheckKey(begin, nameof(begin));
        CheckKey(end, nameof(end));
        if (begin.SequenceCompareTo(end) > 0)
        {
            ThrowHelper.ThrowArgument("DeleteRange: begin sorts after end; the range [begin, end) must not be reversed.", nameof(begin));
        }
        Append(EntryType.RangeDeletion, begin, end, hasSecond: true);
        return this;
    }

    /// <summary>Removes every update, so the batch can be reused.</summary>
    public void Clear()
    {
        _data.AsSpan(0, HeaderSize).Clear();
        _length = HeaderSize;
    }

    /// <summary>
    /// Drops the buffer when it is larger than <paramref name="maxBytes"/>, so that a batch kept for reuse does not
    /// hold the memory of its largest use for ever. Call after <see cref="Clear"/>.
    /// </summary>
    public void TrimExcess(int maxBytes)
    {
        if (_data.Length > maxBytes && _length == HeaderSize)
        {
            _data = new byte[64];
        }
    }

    private static void CheckKey(ReadOnlySpan<byte> key, string name)
    {
        if (key.Length > Limits.MaxKeySize)
        {
            ThrowHelper.ThrowArgument($"The key is {key.Length} bytes; the limit is {Limits.MaxKeySize}.", name);
        }
    }

    private void Append(EntryType tag, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, bool hasSecond)
    {
        long need = 1 + Varint.MaxLength32 + first.Length + (hasSecond ? Varint.MaxLength32 + second.Length : 0);
        if (_length + need > Limits.MaxBatchSize)
        {
            ThrowHelper.ThrowInvalidOperation($"The write batch would exceed {Limits.MaxBatchSize} bytes; split it.");
        }
        EnsureCapacity(_length + (int)need);
        Span<byte> d = _data.AsSpan(_length);
        int p = 0;
        d[p++] = (byte)tag;
        p += Varint.Write(d[p..], (uint)first.Length);
        first.CopyTo(d[p..]);
        p += first.Length;
        if (hasSecond)
        {
            p += Varint.Write(d[p..], (uint)second.Length);
            second.CopyTo(d[p..]);
            p += second.Length;
        }
        _length += p;
        BinaryPrimitives.WriteUInt32LittleEndian(_data.AsSpan(8), (uint)Count + 1);
    }

    private void EnsureCapacity(int size)
    {
        if (size > _data.Length)
        {
            Array.Resize(ref _data, (int)Math.Min(Math.Max(size, 2L * _data.Length), Array.MaxLength));
        }
    }
}
