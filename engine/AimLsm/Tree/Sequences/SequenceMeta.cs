using System.Buffers;
using AimLsm.Kv;
using AimLsm.Encoding;
using AimLsm.Tree.Storage;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// A sequence's metadata, stored as one key per field under <c>('runs', H, 'traces', context id, name)</c>
/// (docs/format.md, section 13.5) and rewritten with the data it describes in the same write batch, so a query
/// reads <c>metric.last</c> without touching sequence data. Fields: <c>count</c>, <c>dtype</c>, <c>first</c>,
/// <c>first_step</c>, <c>last</c>, <c>last_step</c>, <c>max</c>, <c>min</c>. <c>first</c> and <c>last</c> are kept for
/// scalar values only; <c>min</c> and <c>max</c> for numbers only, NaN ignored.
/// </summary>
internal sealed class SequenceMeta : ISequenceMetadata
{
    private static readonly string[] Fields = ["count", "dtype", "first", "first_step", "last", "last_step", "max", "min"];

    // Fields assigned since the last Write, one bit per entry of Fields: Write puts only those, so a point that
    // moves last and count rewrites three keys, not eight. A sequence that has no stored metadata writes them all.
    private const int AllFields = (1 << 8) - 1;

    // The four values are kept unpacked (a type, the bits, a str's or bytes' encoding; present or not) rather than as
    // four TrackedValue? (40 bytes each): a writer keeps one of these per sequence, and 100,000 sequences of a run
    // keep them all. Only what Write and the properties need is kept (never a composite value's fields).
    private const int FirstBit = 1, LastBit = 2, MinBit = 4, MaxBit = 8;
    private string? _dtype;
    private byte[]? _firstEncoded, _lastEncoded;
    private long _count, _firstStep, _lastStep;
    private long _firstBits, _lastBits, _minBits, _maxBits;
    private ushort _changed = AllFields;
    private AimType _firstType, _lastType, _minType, _maxType;
    private byte _present;

    public string? Dtype
    {
        get => _dtype;
        set
        {
            _changed |= (ushort)(_dtype == value ? 0 : 1 << 1);
            _dtype = value;
        }
    }

    public long Count { get => _count; set => (_count, _changed) = (value, (ushort)(_changed | (1 << 0))); }

    public long FirstStep { get => _firstStep; set => (_firstStep, _changed) = (value, (ushort)(_changed | (1 << 3))); }

    public long LastStep { get => _lastStep; set => (_lastStep, _changed) = (value, (ushort)(_changed | (1 << 5))); }

    /// <summary>The value at <see cref="FirstStep"/> when it is a scalar; null when not kept.</summary>
    public TrackedValue? First
    {
        get => Get(FirstBit, _firstType, _firstBits, _firstEncoded);
        set => Set(FirstBit, 1 << 2, value, out _firstType, out _firstBits, out _firstEncoded);
    }

    /// <summary>The value at <see cref="LastStep"/> when it is a scalar; null when not kept.</summary>
    public TrackedValue? Last
    {
        get => Get(LastBit, _lastType, _lastBits, _lastEncoded);
        set => Set(LastBit, 1 << 4, value, out _lastType, out _lastBits, out _lastEncoded);
    }

    public TrackedValue? Min { get => Get(MinBit, _minType, _minBits, null); set => Set(MinBit, 1 << 7, value, out _minType, out _minBits, out _); }

    public TrackedValue? Max { get => Get(MaxBit, _maxType, _maxBits, null); set => Set(MaxBit, 1 << 6, value, out _maxType, out _maxBits, out _); }

    object? ISequenceMetadata.FirstValue => First?.ToObject(null);

    object? ISequenceMetadata.LastValue => Last?.ToObject(null);

    object? ISequenceMetadata.MinValue => Min?.ToObject(null);

    object? ISequenceMetadata.MaxValue => Max?.ToObject(null);

    /// <summary>Reads the metadata at <paramref name="tracePrefix"/>; a sequence never written reads as Count 0.</summary>
    public static SequenceMeta Load(Db db, byte[] tracePrefix)
    {
        using Iterator it = db.NewIterator(new ReadOptions { LowerBound = tracePrefix, UpperBound = TreePath.SubtreeUpperBound(tracePrefix) });
        return Load(new ReadScope(it, null), tracePrefix);
    }

    /// <summary>Reads the metadata at <paramref name="tracePrefix"/> through <paramref name="scope"/>.</summary>
    public static SequenceMeta Load(ReadScope scope, ReadOnlySpan<byte> tracePrefix)
    {
        var meta = new SequenceMeta();
        for (bool ok = scope.SeekSubtree(tracePrefix); ok; ok = scope.NextInSubtree(tracePrefix))
        {
            var path = new TreePathReader(scope.Iterator.Key[tracePrefix.Length..]);
            if (path.MoveNext() && !path.IsInt)
            {
                meta.Set(path.Utf8, scope.Iterator.Value);
            }
        }

        meta._changed = (ushort)(meta.Count == 0 ? AllFields : 0);
        return meta;
    }

    /// <summary>Sets the field named <paramref name="field"/> (UTF-8) from its stored value; unknown fields are ignored.</summary>
    public void Set(ReadOnlySpan<byte> field, ReadOnlySpan<byte> encoded)
    {
        AimValue value = AimValue.Parse(encoded);
        switch (field)
        {
            case var f when f.SequenceEqual("count"u8): Count = value.AsLong(); break;
            case var f when f.SequenceEqual("dtype"u8): Dtype = value.Type == AimType.Str ? NameCache.Get(value.Utf8) : value.AsString(); break;
            case var f when f.SequenceEqual("first"u8): First = Scalar(value, encoded); break;
            case var f when f.SequenceEqual("first_step"u8): FirstStep = value.AsLong(); break;
            case var f when f.SequenceEqual("last"u8): Last = Scalar(value, encoded); break;
            case var f when f.SequenceEqual("last_step"u8): LastStep = value.AsLong(); break;
            case var f when f.SequenceEqual("max"u8): Max = Number(value); break;
            case var f when f.SequenceEqual("min"u8): Min = Number(value); break;
        }
    }

    /// <summary>The room <see cref="Write"/> needs after the prefix in its key buffer: the longest field and its separator.</summary>
    public const int FieldRoom = 16;

    /// <summary>Puts every field assigned since the last call (every field the first time) into <paramref name="batch"/>,
    /// each under <paramref name="key"/>'s first <paramref name="prefixLength"/> bytes (the sequence's trace prefix),
    /// followed by the field, written into <paramref name="key"/> (at least <see cref="FieldRoom"/> bytes longer).</summary>
    public void Write(WriteBatch batch, Span<byte> key, int prefixLength, ArrayBufferWriter<byte> scratch)
    {
        for (int f = 0; f < Fields.Length; f++)
        {
            if ((_changed & (1 << f)) == 0)
            {
                continue;
            }

            string field = Fields[f];
            scratch.ResetWrittenCount();
            switch (field)
            {
                case "count": AimValueWriter.WriteInt(scratch, Count); break;
                case "dtype": AimValueWriter.WriteString(scratch, Dtype ?? "none"); break;
                case "first": WriteScalar(scratch, First); break;
                case "first_step": AimValueWriter.WriteInt(scratch, FirstStep); break;
                case "last": WriteScalar(scratch, Last); break;
                case "last_step": AimValueWriter.WriteInt(scratch, LastStep); break;
                case "max": WriteNumber(scratch, Max); break;
                case "min": WriteNumber(scratch, Min); break;
            }

            int length = prefixLength + System.Text.Encoding.ASCII.GetBytes(field, key[prefixLength..]);
            key[length] = TreePath.Separator;
            batch.Put(key[..(length + 1)], scratch.WrittenSpan);
        }

        _changed = 0;
    }

    /// <summary>Folds a numeric value into <see cref="Min"/> and <see cref="Max"/>.</summary>
    public void Widen(in TrackedValue value)
    {
        if (!value.IsNumber || double.IsNaN(value.AsDouble))
        {
            return;
        }

        if (Min is not { } min || value.AsDouble < min.AsDouble)
        {
            Min = value;
        }

        if (Max is not { } max || value.AsDouble > max.AsDouble)
        {
            Max = value;
        }
    }

    private static TrackedValue? Number(AimValue value) => value.Type switch
    {
        AimType.Int => TrackedValue.Int(value.AsLong()),
        AimType.Float => TrackedValue.Float(value.AsDouble()),
        _ => null,
    };

    /// <summary>A stored <c>first</c> or <c>last</c>; a composite value's metadata stores None.</summary>
    private static TrackedValue? Scalar(AimValue value, ReadOnlySpan<byte> encoded) => value.Type switch
    {
        AimType.None => null,
        AimType.Bool => new TrackedValue(AimType.Bool, value.AsBool() ? 1 : 0),
        AimType.Int => TrackedValue.Int(value.AsLong()),
        AimType.Float => TrackedValue.Float(value.AsDouble()),
        AimType.Str or AimType.Bytes => new TrackedValue(value.Type, 0, encoded.ToArray()),
        _ => null,
    };

    private TrackedValue? Get(int bit, AimType type, long bits, byte[]? encoded) =>
        (_present & bit) == 0 ? null : new TrackedValue(type, bits, encoded);

    /// <summary>Unpacks <paramref name="value"/> into one of the four values (its encoding only for a str or bytes,
    /// the only values whose encoding <see cref="Write"/> reads) and marks <paramref name="field"/> (a bit of
    /// <see cref="Fields"/>) changed.</summary>
    private void Set(int bit, int field, TrackedValue? value, out AimType type, out long bits, out byte[]? encoded)
    {
        TrackedValue v = value.GetValueOrDefault();
        _present = (byte)(value.HasValue ? _present | bit : _present & ~bit);
        _changed |= (ushort)field;
        (type, bits, encoded) = (v.Type, v.Bits, v.Type is AimType.Str or AimType.Bytes ? v.Encoded : null);
    }

    private static void WriteScalar(ArrayBufferWriter<byte> scratch, TrackedValue? value)
    {
        switch (value)
        {
            case null or { Type: AimType.None }: AimValueWriter.WriteNone(scratch); break;
            case { Type: AimType.Bool } v: AimValueWriter.WriteBool(scratch, v.Bits != 0); break;
            case { Type: AimType.Int } v: AimValueWriter.WriteInt(scratch, v.Bits); break;
            case { Type: AimType.Float } v: AimValueWriter.WriteFloat(scratch, v.AsDouble); break;
            case { Encoded: { } encoded } when value.Value.Type is AimType.Str or AimType.Bytes: scratch.Write(encoded); break;
            default: AimValueWriter.WriteNone(scratch); break;
        }
    }

    private static void WriteNumber(ArrayBufferWriter<byte> scratch, TrackedValue? value)
    {
        switch (value)
        {
            case null: AimValueWriter.WriteNone(scratch); break;
            case { Type: AimType.Int } v: AimValueWriter.WriteInt(scratch, v.Bits); break;
            case { } v: AimValueWriter.WriteFloat(scratch, v.AsDouble); break;
        }
    }
}
