namespace AimLsm.Query.Runtime;

/// <summary>
/// The allow-list of callables: builtin functions, <c>datetime.*</c> and <c>re.*</c> members, and the methods of str,
/// list, datetime and timedelta values. Nothing else can be called from a query. Method names are unique across
/// types, so the binder needs no static types: the implementation checks its receiver at run time.
/// </summary>
internal static class BuiltinTable
{
    private static readonly object?[] NoDefaults = [];

    /// <summary>Functions called by name: <c>len</c>, <c>abs</c>, <c>min</c>, <c>max</c>, <c>round</c>, <c>sum</c>, <c>any</c>, <c>all</c>, <c>datetime</c>, <c>timedelta</c>.</summary>
    public static readonly IReadOnlyDictionary<string, BuiltinSignature> Functions = Index(
        new("len", ["obj"], 1, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.Len)),
        new("abs", ["x"], 1, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.Abs)),
        new("min", ["iterable"], 1, NoDefaults, new Func<EvalContext, object?[], object?>(Builtins.Min), isVariadic: true),
        new("max", ["iterable"], 1, NoDefaults, new Func<EvalContext, object?[], object?>(Builtins.Max), isVariadic: true),
        new("round", ["number", "ndigits"], 1, [null], new Func<EvalContext, object?, object?, object?>(Builtins.Round), keywords: true),
        new("sum", ["iterable", "start"], 1, [0L], new Func<EvalContext, object?, object?, object?>(Builtins.Sum), keywords: true),
        new("any", ["iterable"], 1, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.Any)),
        new("all", ["iterable"], 1, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.All)),
        new("datetime", ["year", "month", "day", "hour", "minute", "second", "microsecond"], 3, [0L, 0L, 0L, 0L],
            new Func<EvalContext, object?[], object?>(Builtins.Datetime), keywords: true),
        new("timedelta", ["days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"], 0, [0L, 0L, 0L, 0L, 0L, 0L, 0L],
            new Func<EvalContext, object?[], object?>(Builtins.Timedelta), keywords: true));

    /// <summary><c>datetime.now()</c>, <c>datetime.utcnow()</c> (both the evaluation's UTC now), <c>datetime.fromtimestamp(seconds)</c> (UTC).</summary>
    public static readonly IReadOnlyDictionary<string, BuiltinSignature> DatetimeMembers = Index(
        new("now", [], 0, NoDefaults, new Func<EvalContext, object?>(Builtins.Now), isPure: false),
        new("utcnow", [], 0, NoDefaults, new Func<EvalContext, object?>(Builtins.Now), isPure: false),
        new("fromtimestamp", ["timestamp"], 1, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.FromTimestamp)));

    /// <summary><c>re.match</c>, <c>re.search</c>, <c>re.fullmatch</c>: True when the pattern matches, None otherwise.</summary>
    public static readonly IReadOnlyDictionary<string, BuiltinSignature> ReMembers = Index(
        new("match", ["pattern", "string"], 2, NoDefaults, new Func<EvalContext, object?, object?, object?>(Builtins.ReMatch)),
        new("search", ["pattern", "string"], 2, NoDefaults, new Func<EvalContext, object?, object?, object?>(Builtins.ReSearch)),
        new("fullmatch", ["pattern", "string"], 2, NoDefaults, new Func<EvalContext, object?, object?, object?>(Builtins.ReFullMatch)));

    /// <summary>Methods of values: str (<c>startswith</c> ... <c>count</c>), list and tuple (<c>count</c>), datetime and timedelta.</summary>
    public static readonly IReadOnlyDictionary<string, BuiltinSignature> Methods = Index(
        new("startswith", ["prefix"], 1, NoDefaults, new Func<EvalContext, object?, object?, object?>(Builtins.StartsWith), isMethod: true),
        new("endswith", ["suffix"], 1, NoDefaults, new Func<EvalContext, object?, object?, object?>(Builtins.EndsWith), isMethod: true),
        new("lower", [], 0, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.Lower), isMethod: true),
        new("upper", [], 0, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.Upper), isMethod: true),
        new("casefold", [], 0, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.CaseFold), isMethod: true),
        new("title", [], 0, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.Title), isMethod: true),
        new("capitalize", [], 0, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.Capitalize), isMethod: true),
        new("swapcase", [], 0, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.SwapCase), isMethod: true),
        new("strip", ["chars"], 0, [null], new Func<EvalContext, object?, object?, object?>(Builtins.Strip), isMethod: true),
        new("lstrip", ["chars"], 0, [null], new Func<EvalContext, object?, object?, object?>(Builtins.LStrip), isMethod: true),
        new("rstrip", ["chars"], 0, [null], new Func<EvalContext, object?, object?, object?>(Builtins.RStrip), isMethod: true),
        new("find", ["sub"], 1, NoDefaults, new Func<EvalContext, object?, object?, object?>(Builtins.Find), isMethod: true),
        new("count", ["value"], 1, NoDefaults, new Func<EvalContext, object?, object?, object?>(Builtins.Count), isMethod: true),
        new("weekday", [], 0, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.Weekday), isMethod: true),
        new("isoweekday", [], 0, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.IsoWeekday), isMethod: true),
        new("timestamp", [], 0, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.Timestamp), isMethod: true),
        new("isoformat", [], 0, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.IsoFormat), isMethod: true),
        new("strftime", ["format"], 1, NoDefaults, new Func<EvalContext, object?, object?, object?>(Builtins.Strftime), isMethod: true),
        new("total_seconds", [], 0, NoDefaults, new Func<EvalContext, object?, object?>(Builtins.TotalSeconds), isMethod: true));

    private static Dictionary<string, BuiltinSignature> Index(params BuiltinSignature[] signatures) =>
        signatures.ToDictionary(s => s.Name, StringComparer.Ordinal);
}
