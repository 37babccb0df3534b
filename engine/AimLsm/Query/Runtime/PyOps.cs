using AimLsm.Encoding;

namespace AimLsm.Query.Runtime;

/// <summary>
/// Python's semantics over AimQL's runtime values, which compiled queries call and nothing else. Values are
/// <c>object?</c>: null (None), bool, long (int), double (float), string (str), <c>List&lt;object?&gt;</c> (list),
/// <c>object?[]</c> (tuple), a dictionary (dict: string-, long- or object-keyed, as params and contexts come),
/// DateTime (datetime, UTC), TimeSpan (timedelta), byte[] (bytes), <see cref="AimObject"/>, and the
/// <see cref="IQuerySequence"/> of <c>run.metrics[...]</c>. This file: boxing, normalization, type names, truthiness.
/// All members are thread-safe (they keep no state).
/// </summary>
internal static partial class PyOps
{
    /// <summary>The boxed True every operation returns, so a comparison's result costs no allocation.</summary>
    public static readonly object True = true;

    /// <summary>The boxed False.</summary>
    public static readonly object False = false;

    /// <summary>The deepest nesting of lists, tuples and dicts an operation walks (equality, ordering, repr): deeper values fail instead of overflowing the stack.</summary>
    public const int MaxValueNesting = 100;

    /// <summary>A shared boxed bool.</summary>
    public static object Box(bool value) => value ? True : False;

    /// <summary>
    /// A value from an <see cref="IQueryRun"/> or <see cref="IQuerySequence"/> in the form operations expect: other
    /// integer and float types become long and double, DateTimeOffset becomes a UTC DateTime. Containers are kept.
    /// </summary>
    public static object? Normalize(object? value) => value switch
    {
        null or bool or long or double or string => value,
        int i => (long)i,
        float f => (double)f,
        short s => (long)s,
        byte b => (long)b,
        sbyte sb => (long)sb,
        ushort us => (long)us,
        uint ui => (long)ui,
        ulong ul => ul <= long.MaxValue ? (long)ul : (double)ul,
        decimal m => (double)m,
        DateTimeOffset dto => dto.UtcDateTime,
        DateTime dt => Utc(dt),
        _ => value,
    };

    /// <summary>Python's name for the type of <paramref name="value"/>, for error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        object?[] => "tuple",
        DateTime => "datetime.datetime",
        TimeSpan => "datetime.timedelta",
        byte[] => "bytes",
        AimObject o => o.TypeName,
        IQuerySequence => "SequenceView",
        PyUndefined => "Undefined",
        _ when PyDict.IsDict(value) => "dict",
        _ => "object",
    };

    /// <summary>Python's truthiness: None, Undefined, False, 0, 0.0, empty str/list/tuple/dict/bytes and a zero timedelta are false.</summary>
    public static bool Truthy(object? value) => value switch
    {
        null or PyUndefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length != 0,
        List<object?> list => list.Count != 0,
        object?[] tuple => tuple.Length != 0,
        TimeSpan ts => ts != TimeSpan.Zero,
        byte[] bytes => bytes.Length != 0,
        _ => !PyDict.IsDict(value) || PyDict.Count(value!) != 0,
    };

    /// <summary>True for int, float and bool (a Python int).</summary>
    public static bool IsNumber(object? value) => value is long or double or bool;

    /// <summary>True for int and bool.</summary>
    public static bool IsInt(object? value) => value is long or bool;

    /// <summary>An int or bool as a long.</summary>
    public static long AsLong(object value) => value is bool b ? (b ? 1 : 0) : (long)value;

    /// <summary>A number as a double.</summary>
    public static double AsDouble(object value) => value switch
    {
        double d => d,
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new InvalidCastException("not a number"),
    };

    /// <summary>An index argument (int or bool), or a TypeError naming <paramref name="what"/>.</summary>
    public static long ToIndex(object? value, string what) =>
        IsInt(value) ? AsLong(value!) : PyErrors.ThrowType<long>($"{what} must be integers, not {TypeName(value)}");
}
