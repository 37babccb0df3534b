using System.Text;
using AimLsm.Encoding;
using FsCheck;
using FsCheck.Fluent;

namespace AimLsm.Tests.Tree.Encoding;

/// <summary>
/// FsCheck properties of the tree encoding: nested values round-trip, encoded order is logical order, and random
/// bytes fail only with <see cref="AimFormatException"/>.
/// </summary>
public class TreeEncodingPropertyTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(500).WithQuietOnSuccess(true);

    // A small alphabet with 1-, 2-, 3- and 4-byte UTF-8 (a surrogate pair) so that prefixes and ties are common.
    private static readonly Gen<string> Key =
        from n in Gen.Choose(1, 3)
        from parts in Gen.ArrayOf(Gen.Elements("a", "b", "\u007f", "α", "€", "😀"), n)
        select string.Concat(parts);

    private static readonly Gen<long> NonNegative = Gen.OneOf(
        Gen.Choose(0, 300).Select(i => (long)i),
        ArbMap.Default.GeneratorFor<long>().Select(l => l & long.MaxValue),
        Gen.Elements(0L, 255L, 256L, 0xFEL, 0xFFFEL, long.MaxValue));

    private static readonly Gen<PathSegment> Segment = Gen.OneOf(Key.Select(s => (PathSegment)s), NonNegative.Select(l => (PathSegment)l));

    private static readonly Gen<PathSegment[]> Path = Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Segment, n));

    private static readonly Gen<double> Double = Gen.OneOf(
        ArbMap.Default.GeneratorFor<double>(),
        Gen.Elements(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon, BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8_0000_0000_0001UL))));

    private static readonly Gen<object?> Scalar = Gen.OneOf(
        Gen.Constant<object?>(null),
        Gen.Elements(true, false).Select(b => (object?)b),
        ArbMap.Default.GeneratorFor<long>().Select(l => (object?)l),
        Double.Select(d => (object?)d),
        Gen.OneOf(Key, Gen.Constant("")).Select(s => (object?)s),
        Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n)).Select(b => (object?)b));

    private static Gen<object?> Value(int depth) => depth <= 0
        ? Scalar
        : Gen.Frequency(
            (3, Scalar),
            (1, Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Value(depth - 1), n)).Select(a => (object?)a.ToList())),
            (1, Entries(depth).Select(e => (object?)ToDict(e))),
            (1, from name in Gen.Elements("aim.image", "aim.text", "x") from e in Entries(depth) select (object?)ToObject(name, e)));

    private static Gen<(string, object?)[]> Entries(int depth) =>
        Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(from k in Key from v in Value(depth - 1) select (k, v), n));

    private static Dictionary<string, object?> ToDict((string Key, object? Value)[] entries)
    {
        var d = new Dictionary<string, object?>();
        foreach ((string k, object? v) in entries)
        {
            d[k] = v;
        }

        return d;
    }

    private static AimObject ToObject(string name, (string Key, object? Value)[] entries)
    {
        var o = new AimObject(name);
        foreach ((string k, object? v) in entries)
        {
            o.Fields[k] = v;
        }

        return o;
    }

    [Fact]
    public void Any_nested_value_round_trips_under_any_prefix()
    {
        Gen<(PathSegment[], object?)> gen = from prefix in Path from value in Gen.Sized(s => Value(Math.Min(4, 1 + (s / 25)))) select (prefix, value);
        Property prop = Prop.ForAll(Arb.From(gen), c =>
        {
            (PathSegment[] prefixPath, object? value) = c;
            byte[] prefix = TreePath.Encode(prefixPath);
            var records = TreeTestUtil.Flatten(value, prefix);
            foreach ((byte[] path, _) in records)
            {
                Assert.True(path.AsSpan().StartsWith(prefix));
                TreePath.Decode(path);
            }

            object? back = TreeTestUtil.Rebuild(records, prefix.Length);
            Assert.True(TreeTestUtil.DeepEqual(value, back), $"value did not round-trip under {PathSegment.Format(prefixPath)}");
        });
        Check.One(Quick, prop);
    }

    [Fact]
    public void Encoded_order_is_logical_order_for_str_and_non_negative_int_paths()
    {
        Gen<(PathSegment[], PathSegment[])> pairs =
            from a in Path
            from shareFirst in Gen.Choose(0, a.Length)
            from tail in Path
            select (a, a.Take(shareFirst).Concat(tail).ToArray());
        Property prop = Prop.ForAll(Arb.From(pairs), p =>
        {
            (PathSegment[] a, PathSegment[] b) = p;
            int encoded = Math.Sign(TreePath.Encode(a).AsSpan().SequenceCompareTo(TreePath.Encode(b)));
            int logical = Math.Sign(LogicalCompare(a, b));
            Assert.True(encoded == logical, $"{PathSegment.Format(a)} vs {PathSegment.Format(b)}: encoded {encoded}, logical {logical}");
            Assert.Equal(a, TreePath.Decode(TreePath.Encode(a)));
        });
        Check.One(Quick, prop);
    }

    /// <summary>
    /// The order Aim's encoding gives, stated without bytes: segment by segment, a path before its descendants;
    /// str segments before int segments; ints numerically (non-negative only); strs by code point, except that a
    /// str sorts after every longer str it is a prefix of (its separator FE outranks any UTF-8 byte).
    /// </summary>
    private static int LogicalCompare(PathSegment[] a, PathSegment[] b)
    {
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            int c = CompareSegment(a[i], b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    private static int CompareSegment(PathSegment a, PathSegment b)
    {
        if (a.IsString != b.IsString)
        {
            return a.IsString ? -1 : 1;
        }

        if (a.IsInt)
        {
            return a.Int.CompareTo(b.Int);
        }

        Rune[] ra = [.. a.String.EnumerateRunes()];
        Rune[] rb = [.. b.String.EnumerateRunes()];
        for (int i = 0; i < Math.Min(ra.Length, rb.Length); i++)
        {
            if (ra[i] != rb[i])
            {
                return ra[i].Value.CompareTo(rb[i].Value);
            }
        }

        return rb.Length.CompareTo(ra.Length); // the shorter (a prefix of the other) sorts last
    }

    private static readonly Gen<byte> InterestingByte = Gen.Frequency(
        (3, Gen.Choose(0, 255).Select(b => (byte)b)),
        (4, Gen.Elements<byte>(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0F, 0xFE, 0xFF, 0x61, 0xC3, 0xCE)));

    private static readonly Gen<byte[]> RandomBytes = Gen.Choose(0, 24).SelectMany(n => Gen.ArrayOf(InterestingByte, n));

    // Valid records with one byte changed or the tail cut: close to valid, so the decoder goes deep.
    private static readonly Gen<byte[]> DamagedBytes =
        from value in Value(2)
        from pick in Gen.Choose(0, 1000)
        from flip in Gen.Choose(0, 1000)
        from b in InterestingByte
        from cut in Gen.Elements(true, false)
        let records = TreeTestUtil.Flatten(value, TreePath.Encode(["x", 1]))
        let r = records[pick % records.Count]
        let bytes = (pick % 2 == 0 ? r.Path : r.Value).ToArray()
        select Damage(bytes, flip, b, cut);

    private static byte[] Damage(byte[] bytes, int at, byte b, bool cut)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }

        return cut ? bytes[..(at % bytes.Length)] : [.. bytes[..(at % bytes.Length)], b, .. bytes[(at % bytes.Length + 1)..]];
    }

    [Fact]
    public void Decoding_random_bytes_fails_only_with_AimFormatException()
    {
        Gen<byte[]> any = Gen.OneOf(RandomBytes, DamagedBytes);
        Gen<(byte[], byte[])[]> gen = Gen.Choose(1, 5).SelectMany(n => Gen.ArrayOf(from p in any from v in any select (p, v), n));
        int formatErrors = 0;
        Property prop = Prop.ForAll(Arb.From(gen), records =>
        {
            try
            {
                var reader = new TreeReader();
                foreach ((byte[] path, byte[] value) in records)
                {
                    TreePath.Decode(path);
                    AimValue v = AimValue.Parse(value);
                    _ = v.Type switch
                    {
                        AimType.CustomObject => v.TypeName(),
                        AimType.List or AimType.Dict => null,
                        _ => v.ToScalar(),
                    };
                    reader.Add(path, value);
                }

                _ = reader.Build();
            }
            catch (AimFormatException ex)
            {
                Assert.False(string.IsNullOrEmpty(ex.Message));
                formatErrors++;
            }
        });
        Check.One(Quick, prop);
        Assert.True(formatErrors > 0, "the generator should produce some invalid input");
    }
}
