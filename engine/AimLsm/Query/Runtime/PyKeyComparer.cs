namespace AimLsm.Query.Runtime;

/// <summary>
/// Python's dict-key equality for dict literals whose keys are not all strings: equal numbers are one key whatever
/// their type (<c>1 == 1.0 == True</c>), tuples compare element-wise. Only hashable values may be keys (not list or
/// dict). Thread-safe.
/// </summary>
internal sealed class PyKeyComparer : IEqualityComparer<object>
{
    /// <summary>The one instance.</summary>
    public static readonly PyKeyComparer Instance = new();

    private static readonly EvalContext Unbounded = EvalContext.Detached(new QueryLimits(int.MaxValue, int.MaxValue, TimeSpan.FromSeconds(1)));

    private PyKeyComparer()
    {
    }

    /// <summary>Throws TypeError when <paramref name="key"/> cannot be a dict key.</summary>
    public static void CheckHashable(object? key)
    {
        switch (key)
        {
            case List<object?> or byte[]:
            case not null when PyDict.IsDict(key):
                throw PyErrors.Type($"unhashable type: '{PyOps.TypeName(key)}'");
            case object?[] tuple:
                foreach (object? item in tuple)
                {
                    CheckHashable(item);
                }

                break;
        }
    }

    /// <inheritdoc/>
    public new bool Equals(object? x, object? y) => PyOps.Equal(Unbounded, x, y);

    /// <inheritdoc/>
    public int GetHashCode(object obj) => Hash(obj, 0);

    private static int Hash(object? value, int depth)
    {
        switch (value)
        {
            case null:
                return 0;
            case bool b:
                return (b ? 1L : 0L).GetHashCode();
            case long l:
                return l.GetHashCode();
            case double d:
                // Integral doubles hash like the long they equal, so 1.0 finds the key 1.
                return Math.Floor(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? ((long)d).GetHashCode() : d.GetHashCode();
            case string s:
                return StringComparer.Ordinal.GetHashCode(s);
            case object?[] tuple:
                PyOps.EnterNested(ref depth);
                var hash = default(HashCode);
                foreach (object? item in tuple)
                {
                    hash.Add(Hash(item, depth));
                }

                return hash.ToHashCode();
            default:
                return value.GetHashCode();
        }
    }
}
