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
internal sealed class SequenceMeta
{
    private static readonly string[] Fields = ["count", "dtype", "first", "first_step", "last", "last_step", "max", "min"];

    // Fields assigned since the last Write, one bit per entry of Fields: Write puts only those, so a point that
    // moves last and count rewrites three keys, not eight. A sequence that has no stored metadata writes them all.
    private const int AllFields = (1 << 8) - 1;
    private int _changed = AllFields;
    private string? _dtype;
    private long _count, _firstStep, _lastStep;
    private TrackedValue? _first, _last, _min, _max;

    public string? Dtype
    {
        get => _dtype;
        set
        {
            _changed |= _dtype == value ? 0 : 1 << 1;
            _dtype = value;
        }
    }

    public long Count { get => _count; set => (_count, _changed) = (value, _changed | (1 << 0)); }

    public long FirstStep { get => _firstStep; set => (_firstStep, _changed) = (value, _changed | (1 << 3)); }

    public long LastStep { get => _lastStep; set => (_lastStep, _changed) = (value, _changed | (1 << 5)); }

    /// <summary>The value at <see cref="FirstStep"/> when it is a scalar; null when not kept.</summary>
    public TrackedValue? First { get => _first; set => (_first, _changed) = (value, _changed | (1 << 2)); }

    /// <summary>The value at <see cref="LastStep"/> when it is a scalar; null when not kept.</summary>
    public TrackedValue? Last { get => _last; set => (_last, _changed) = (value, _changed | (1 << 4)); }

    public TrackedValue? Min { get => _min; set => (_min, _changed) = (value, _changed | (1 << 7)); }

    public TrackedValue? Max { get => _max; set => (_max, _changed) = (value, _changed | (1 << 6)); }

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

        meta._changed = meta.Count == 0 ? AllFields : 0;
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

    /// <summary>Puts every field assigned since the last call (every field the first time) into <paramref name="batch"/>.</summary>
    public void Write(WriteBatch batch, byte[] tracePrefix, ArrayBufferWriter<byte> scratch)
    {
        Span<byte> key = stackalloc byte[tracePrefix.Length + 16];
        tracePrefix.CopyTo(key);
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

            int length = tracePrefix.Length + System.Text.Encoding.ASCII.GetBytes(field, key[tracePrefix.Length..]);
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
