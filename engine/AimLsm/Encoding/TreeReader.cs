namespace AimLsm.Encoding;

/// <summary>
/// Rebuilds a nested .NET value from the (relative path, value) records of one subtree, fed in key order as an
/// iterator over [prefix, <see cref="TreePath.SubtreeUpperBound"/>(prefix)) yields them, with the prefix cut off
/// (Aim's <c>DecodePathsVals</c> + <c>fold_tree</c>; docs/format.md, section 12.5). The result is built from:
/// <list type="bullet">
/// <item>scalars as <see cref="AimValue.ToScalar"/> gives them (null, bool, long, double, string, byte[]);</item>
/// <item>a list marker: <see cref="List{T}"/> of object?; missing indexes are null (Aim fills gaps with None);</item>
/// <item>a dict marker, or a node that only has children: <see cref="Dictionary{TKey, TValue}"/> keyed by string
/// when every key is a str segment, by long when every key is an int segment, and by object when they mix;</item>
/// <item>a custom-object marker: <see cref="AimObject"/> with its fields.</item>
/// </list>
/// Each record is decoded and copied as it is added, so the spans may come straight from an engine iterator.
/// Not thread-safe; one reader builds one value.
/// </summary>
public sealed class TreeReader
{
    /// <summary>
    /// The most missing elements (gaps, filled with null) one list may have. Aim fills gaps
    /// with None without a limit; this reader refuses larger gaps so that a damaged index cannot make it allocate
    /// gigabytes of nulls. Sparse series belong to sequence views, not to this fold.
    /// </summary>
    public const int MaxListGap = 1 << 20;

    private readonly Node _root = new();
    private int _records;

    /// <summary>True until the first record is added.</summary>
    public bool IsEmpty => _records == 0;

    /// <summary>Adds the record stored at <paramref name="relativePath"/> below the subtree's root.</summary>
    /// <exception cref="AimFormatException">
    /// The path or value is malformed, or the record cannot follow the earlier ones (out of key order, a duplicate,
    /// a child of a scalar, a str key in a list, a negative list index).
    /// </exception>
    public void Add(ReadOnlySpan<byte> relativePath, ReadOnlySpan<byte> value)
    {
        AimValue parsed = AimValue.Parse(value);
        Node node = Locate(relativePath);
        switch (parsed.Type)
        {
            case AimType.List: node.Kind = NodeKind.List; break;
            case AimType.Dict: node.Kind = NodeKind.Dict; break;
            case AimType.CustomObject:
                node.Kind = NodeKind.Object;
                node.Scalar = parsed.TypeName();
                break;
            default:
                node.Kind = NodeKind.Scalar;
                node.Scalar = parsed.ToScalar();
                break;
        }
    }

    /// <summary>
    /// Adds a leaf whose value is already materialized, such as a lazily loaded blob (docs/format.md, section 13.4).
    /// </summary>
    /// <exception cref="AimFormatException">As <see cref="Add"/>.</exception>
    public void AddScalar(ReadOnlySpan<byte> relativePath, object? value)
    {
        Node node = Locate(relativePath);
        node.Kind = NodeKind.Scalar;
        node.Scalar = value;
    }

    private Node Locate(ReadOnlySpan<byte> relativePath)
    {
        Node node = _root;
        var reader = new TreePathReader(relativePath);
        while (reader.MoveNext())
        {
            // Compare encoded segments: equal means the same child, and byte order is key order, so a new child
            // must sort after the previous one. No string is materialized for a child that already exists.
            ReadOnlySpan<byte> segment = relativePath[reader.SegmentOffset..reader.Consumed];
            int order = node.Children.Count == 0 ? 1 : segment.SequenceCompareTo(node.LastEncoded);
            if (order == 0)
            {
                node = node.Children[^1].Value;
                continue;
            }

            if (order < 0)
            {
                throw new AimFormatException(
                    $"Path {Describe(relativePath[..reader.Consumed])} sorts before an earlier sibling; records must be in key order.");
            }

            node = node.AddChild(reader.Current, segment, relativePath[..reader.Consumed]);
        }

        if (node.HasRecord || node.Children.Count > 0)
        {
            throw new AimFormatException(
                $"A record for path {Describe(relativePath)} arrives after that path's own record or children; records must be in key order, each once.");
        }

        node.HasRecord = true;
        _records++;
        return node;
    }

    /// <summary>The value rebuilt from the records added so far.</summary>
    /// <exception cref="InvalidOperationException">No record was added (the subtree does not exist).</exception>
    public object? Build() =>
        _records == 0 ? throw new InvalidOperationException("No records were added; the subtree is empty.") : _root.Build();

    private static string Describe(ReadOnlySpan<byte> encodedPath) => PathSegment.Format(TreePath.Decode(encodedPath));

    private enum NodeKind
    {
        Unset,
        Scalar,
        List,
        Dict,
        Object,
    }

    private sealed class Node
    {
        public NodeKind Kind;
        public bool HasRecord;
        public object? Scalar;
        public readonly List<KeyValuePair<PathSegment, Node>> Children = [];

        public byte[] LastEncoded = [];

        public Node AddChild(PathSegment key, ReadOnlySpan<byte> encodedKey, ReadOnlySpan<byte> pathSoFar)
        {
            switch (Kind)
            {
                case NodeKind.Unset:
                    Kind = NodeKind.Dict; // an intermediate dict: Aim writes no marker for a non-empty dict
                    break;
                case NodeKind.Scalar:
                    throw new AimFormatException($"Path {Describe(pathSoFar)} is below a scalar value; a scalar has no children.");
                case NodeKind.List when key.IsString || key.Int < 0:
                    throw new AimFormatException($"Path {Describe(pathSoFar)}: a list element needs a non-negative int segment.");
                case NodeKind.List when key.Int - Children.Count > MaxListGap:
                    throw new AimFormatException(
                        $"Path {Describe(pathSoFar)}: list index {key.Int} would leave more than {MaxListGap} missing elements in the list.");
                case NodeKind.Object when key.IsInt:
                    throw new AimFormatException($"Path {Describe(pathSoFar)}: a custom object's field needs a str segment.");
            }

            var node = new Node();
            Children.Add(new(key, node));
            LastEncoded = encodedKey.ToArray();
            return node;
        }

        public object? Build()
        {
            switch (Kind)
            {
                case NodeKind.Scalar:
                    return Scalar;
                case NodeKind.List:
                    var list = new List<object?>();
                    foreach (KeyValuePair<PathSegment, Node> child in Children)
                    {
                        int index = checked((int)child.Key.Int);
                        while (list.Count <= index)
                        {
                            list.Add(null);
                        }

                        list[index] = child.Value.Build();
                    }

                    return list;
                case NodeKind.Object:
                    var obj = new AimObject((string)Scalar!);
                    foreach (KeyValuePair<PathSegment, Node> child in Children)
                    {
                        obj.Fields[child.Key.String] = child.Value.Build();
                    }

                    return obj;
                default:
                    return BuildDict();
            }
        }

        private object BuildDict()
        {
            bool anyString = false, anyInt = false;
            foreach (KeyValuePair<PathSegment, Node> child in Children)
            {
                anyString |= child.Key.IsString;
                anyInt |= child.Key.IsInt;
            }

            if (anyInt && !anyString)
            {
                var byInt = new Dictionary<long, object?>(Children.Count);
                foreach (KeyValuePair<PathSegment, Node> child in Children)
                {
                    byInt[child.Key.Int] = child.Value.Build();
                }

                return byInt;
            }

            if (anyInt)
            {
                var mixed = new Dictionary<object, object?>(Children.Count);
                foreach (KeyValuePair<PathSegment, Node> child in Children)
                {
                    mixed[child.Key.IsInt ? child.Key.Int : child.Key.String] = child.Value.Build();
                }

                return mixed;
            }

            var byString = new Dictionary<string, object?>(Children.Count, StringComparer.Ordinal);
            foreach (KeyValuePair<PathSegment, Node> child in Children)
            {
                byString[child.Key.String] = child.Value.Build();
            }

            return byString;
        }
    }
}
