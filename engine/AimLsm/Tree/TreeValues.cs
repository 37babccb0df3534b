using System.Collections;
using AimLsm.Encoding;

namespace AimLsm.Tree;

/// <summary>
/// How a tree view hands out a node's value: the conversions of <c>Get&lt;T&gt;</c> and the error for a missing
/// node, shared by the local <see cref="TreeView"/> and a remote run's view, so both accept and refuse the same
/// conversions with the same messages. Stateless.
/// </summary>
internal static class TreeValues
{
    /// <summary>The error for reading a node of run <paramref name="hash"/> at <paramref name="path"/> that holds nothing.</summary>
    public static KeyNotFoundException Missing(string hash, PathSegment[] path) =>
        new($"Run '{hash}' has nothing stored at {PathSegment.Format(path)}; Keys lists what its parent holds.");

    /// <summary>
    /// <paramref name="value"/> (a materialized node of run <paramref name="hash"/> at <paramref name="path"/>) as
    /// <typeparamref name="T"/>: exact, except that an int is accepted as a double (and a float as a float), an int
    /// in range as an int, and lists convert element by element to <c>double[]</c>, <c>long[]</c>, <c>int[]</c> and
    /// <c>string[]</c>.
    /// </summary>
    /// <exception cref="InvalidCastException">The value (or an element) is of another type; the message names the path and both types.</exception>
    public static T Convert<T>(object? value, string hash, PathSegment[] path)
    {
        switch (value)
        {
            case T typed:
                return typed;
            case null when default(T) is null:
                return default!;
            case long l when typeof(T) == typeof(double):
                return (T)(object)(double)l;
            case long l when typeof(T) == typeof(int) && l is >= int.MinValue and <= int.MaxValue:
                return (T)(object)(int)l;
            case double d when typeof(T) == typeof(float):
                return (T)(object)(float)d;
            case IList list when typeof(T) == typeof(double[]):
                return (T)(object)ConvertElements(list, static x => x switch { double d => d, long l => l, _ => (double?)null }, hash, path);
            case IList list when typeof(T) == typeof(long[]):
                return (T)(object)ConvertElements(list, static x => x as long?, hash, path);
            case IList list when typeof(T) == typeof(int[]):
                return (T)(object)ConvertElements(list, static x => x is long l and >= int.MinValue and <= int.MaxValue ? (int)l : (int?)null, hash, path);
            case IList list when typeof(T) == typeof(string[]):
                return (T)(object)ConvertElements(list, hash, path);
        }

        throw new InvalidCastException(
            $"Run '{hash}' stores a {value?.GetType().Name ?? "None"} at {PathSegment.Format(path)}, not a {typeof(T).Name}.");
    }

    /// <summary>Converts every element exactly (an int is accepted as a double, nothing else is coerced).</summary>
    private static TElement[] ConvertElements<TElement>(IList list, Func<object?, TElement?> convert, string hash, PathSegment[] path)
        where TElement : struct
    {
        var result = new TElement[list.Count];
        for (int i = 0; i < list.Count; i++)
        {
            result[i] = convert(list[i]) ?? throw ElementMismatch(list[i], i, typeof(TElement), hash, path);
        }

        return result;
    }

    private static string[] ConvertElements(IList list, string hash, PathSegment[] path)
    {
        var result = new string[list.Count];
        for (int i = 0; i < list.Count; i++)
        {
            result[i] = list[i] as string ?? throw ElementMismatch(list[i], i, typeof(string), hash, path);
        }

        return result;
    }

    private static InvalidCastException ElementMismatch(object? element, int index, Type wanted, string hash, PathSegment[] path) =>
        new($"Run '{hash}' stores a list at {PathSegment.Format(path)} whose element {index} is a {element?.GetType().Name ?? "None"}, not a {wanted.Name}.");
}
