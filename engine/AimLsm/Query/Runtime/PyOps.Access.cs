using AimLsm.Encoding;

namespace AimLsm.Query.Runtime;

/// <summary>
/// Reading the views and values: run fields, params, sequence fields, attributes, subscripts and slices, and building
/// lists, tuples and dicts. Attribute access dispatches on the runtime type with a fixed switch of names (datetime and
/// timedelta fields, dict keys, sequence fields): no reflection, so nothing outside these names can be reached.
/// <para>
/// Missing values follow Aim 3.29's query proxies (<c>aim/storage/proxy.py</c>, <c>aim/sdk/query_utils.py</c>): a
/// missing top-level attribute of the run (<c>run.missing</c>, <c>run['missing']</c>) is Aim's <c>SafeNone</c>, which
/// equals None and is falsy, so AimLsm gives None; a missing key below it (<c>run.hparams.missing</c>,
/// <c>run.missing.deeper</c>, <c>run.metrics['missing'].last</c>) is Aim's <c>Undefined</c> (<see cref="PyUndefined"/>),
/// which equals nothing, not even None. A stored None stays None, so <c>run.hparams.batch_size == None</c> selects
/// only the runs that stored None. A missing key of a sequence's context (<c>metric.context.missing</c>) or of any
/// other dict value raises KeyError, as Aim's <c>ContextView</c> and Python do. An attribute or subscript of
/// Undefined is Undefined (Aim looks it up in the tree, where it is missing too); of None it raises, as in Python.
/// A list index out of range is an IndexError.
/// </para>
/// </summary>
internal static partial class PyOps
{
    private static readonly object EmptyString = string.Empty;

    /// <summary>A structured field of the current run.</summary>
    public static object? RunField(EvalContext ctx, RunField field)
    {
        IQueryRun run = ctx.Run;
        return field switch
        {
            Runtime.RunField.Hash => run.Hash,
            Runtime.RunField.Name => run.Name,
            // Aim gives every run an experiment: one created without it is in 'default' (Aim's Run(experiment=None)).
            Runtime.RunField.Experiment => run.Experiment ?? DefaultExperiment,
            Runtime.RunField.Description => run.Description,
            Runtime.RunField.Tags => ctx.Tags,
            Runtime.RunField.Archived => Box(run.Archived),
            Runtime.RunField.Active => Box(run.Active),
            Runtime.RunField.CreatedAt => Utc(run.CreatedAt),
            Runtime.RunField.CreationTime => UnixSeconds(run.CreatedAt),
            Runtime.RunField.EndTime => run.EndTime is { } end ? UnixSeconds(end) : null,
            Runtime.RunField.FinalizedAt => run.EndTime is { } end ? Utc(end) : null,
            // Aim's Run.duration is end_time - creation_time (or time() - creation_time while active), computed in
            // floats: the same two doubles subtracted here, so run.end_time - run.creation_time == run.duration holds
            // exactly (a TimeSpan's TotalSeconds rounds differently).
            Runtime.RunField.Duration => UnixSeconds(run.EndTime ?? ctx.Now) - UnixSeconds(run.CreatedAt),
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
        };
    }

    /// <summary>The experiment of a run created without one, as Aim names it.</summary>
    public const string DefaultExperiment = "default";

    /// <summary>The param at a constant path of the query (cached per run).</summary>
    public static object? Param(EvalContext ctx, int slot) => ctx.Param(slot);

    /// <summary>The value stored at <paramref name="path"/> of <paramref name="run"/>'s params, or <see cref="Missing"/> for its depth.</summary>
    public static object? ReadParam(IQueryRun run, PathSegment[] path) =>
        !HasEmptySegment(path) && run.TryGetParam(path, out object? value) ? Normalize(value) : Missing(path.Length);

    /// <summary>Whether a segment of <paramref name="path"/> is the empty str, below which nothing is ever stored (Aim's paths refuse it).</summary>
    private static bool HasEmptySegment(PathSegment[] path)
    {
        foreach (PathSegment segment in path)
        {
            if (segment.IsString && segment.String.Length == 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The value of a param path of <paramref name="depth"/> segments that nothing is stored at: None (Aim's
    /// <c>SafeNone</c>) for a top-level attribute of the run, <see cref="PyUndefined"/> below it.
    /// </summary>
    public static object? Missing(int depth) => depth <= 1 ? null : PyUndefined.Value;

    /// <summary>
    /// <c>run[key]</c> or <c>run.hparams[key]</c> with a key computed at run time: a str, a non-negative int, or a
    /// tuple of them extends the path (only that subtree is read); any other key below <c>run</c> indexes the param's
    /// value, as Python would (<c>run.hparams.layers[i]</c> with i = -1).
    /// </summary>
    public static object? ParamLookup(EvalContext ctx, PathSegment[] basePath, object? key)
    {
        var path = new List<PathSegment>(basePath);
        bool isPath = key is object?[] tuple ? Array.TrueForAll(tuple, IsPathKey) : IsPathKey(key);
        if (!isPath && basePath.Length > 0)
        {
            // Aim looks every key up in the tree, so a key below a missing or None value finds nothing: Undefined.
            object? value = ReadParam(ctx.Run, basePath);
            return value is null ? PyUndefined.Value : Index(ctx, value, key);
        }

        foreach (object? part in key is object?[] parts ? parts : [key])
        {
            AppendSegment(path, part);
        }

        return ReadParam(ctx.Run, path.ToArray());

        static bool IsPathKey(object? k) => k is string or bool || k is long and >= 0;
    }

    /// <summary>Appends a param path segment; throws TypeError for keys that cannot be path segments.</summary>
    internal static void AppendSegment(List<PathSegment> path, object? key)
    {
        switch (key)
        {
            case string s:
                path.Add(s);
                return;
            case long or bool:
                path.Add(AsLong(key));
                return;
            default:
                throw PyErrors.Type($"param keys must be str or int, not {TypeName(key)}");
        }
    }

    /// <summary><c>run.metrics[name, context]</c>: the sequence view, or None when the run has none. Cached per run when <paramref name="slot"/> is not -1.</summary>
    public static object? RunMetric(EvalContext ctx, object? name, object? context, int slot)
    {
        if (slot >= 0 && ctx.TryGetMetric(slot, out object? cached))
        {
            return cached;
        }

        if (name is object?[] { Length: 2 } pair && context is null)
        {
            // run.metrics[key] with a tuple computed at run time.
            (name, context) = (pair[0], pair[1]);
        }

        if (name is not string metricName)
        {
            throw PyErrors.Type($"run.metrics[...] takes a metric name (str) and an optional context dict, not {TypeName(name)}");
        }

        IReadOnlyDictionary<string, object?>? contextDict = context switch
        {
            null => null,
            IReadOnlyDictionary<string, object?> d => d,
            _ when PyDict.IsDict(context) && PyDict.Count(context) == 0 => null,
            _ => throw PyErrors.Type($"the context of run.metrics[...] must be a dict with str keys, not {TypeName(context)}"),
        };
        object? sequence = ctx.Run.GetSequence(metricName, contextDict) ?? FindPythonEqualContext(ctx, metricName, contextDict);
        if (slot >= 0)
        {
            ctx.SetMetric(slot, sequence);
        }

        return sequence;
    }

    /// <summary>
    /// The sequence whose context equals <paramref name="context"/> by Python's equality, when the exact lookup found
    /// none: to Python (and to Aim, whose context hash follows it) <c>{'fold': 1}</c>, <c>{'fold': 1.0}</c> and
    /// <c>{'fold': True}</c> are one context, while the repo keys a context by its encoded bytes, where int, float
    /// and bool differ. Only a context with a number in it can be equal without being identical, so only then are
    /// the run's sequences listed.
    /// </summary>
    private static IQuerySequence? FindPythonEqualContext(EvalContext ctx, string name, IReadOnlyDictionary<string, object?>? context)
    {
        if (context is null || !context.Values.Any(IsNumber))
        {
            return null;
        }

        foreach (IQuerySequence sequence in ctx.Run.Sequences)
        {
            ctx.Tick(1);
            if (sequence.Name == name && Equal(ctx, sequence.Context, context, 0))
            {
                return sequence;
            }
        }

        return null;
    }

    /// <summary>A field of the sequence being evaluated (<c>metric.last</c>).</summary>
    public static object? CurrentSequenceField(EvalContext ctx, SequenceField field) =>
        SequenceFieldOf(ctx.Sequence ?? throw new InvalidOperationException("A sequence field was evaluated outside a sequence."), field);

    /// <summary>
    /// A field of a sequence value (<c>run.metrics['loss'].last</c>); Undefined when the run has no such metric (Aim
    /// reads the field from the tree below the metric's missing key).
    /// </summary>
    public static object? SequenceField(EvalContext ctx, object? sequence, SequenceField field) => sequence switch
    {
        null or PyUndefined => PyUndefined.Value,
        IQuerySequence s => SequenceFieldOf(s, field),
        _ => throw PyErrors.Attribute(sequence, SequenceFieldName(field)),
    };

    private static object? SequenceFieldOf(IQuerySequence s, SequenceField field) => field switch
    {
        Runtime.SequenceField.Name => s.Name,
        Runtime.SequenceField.Context => s.Context,
        Runtime.SequenceField.Dtype => s.Dtype,
        Runtime.SequenceField.Count => s.Count,
        Runtime.SequenceField.FirstStep => s.FirstStep,
        Runtime.SequenceField.LastStep => s.LastStep,
        Runtime.SequenceField.First => Normalize(s.First),
        Runtime.SequenceField.Last => Normalize(s.Last),
        Runtime.SequenceField.Min => Normalize(s.Min),
        Runtime.SequenceField.Max => Normalize(s.Max),
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    /// <summary>The Python name of a sequence field.</summary>
    public static string SequenceFieldName(SequenceField field) => field switch
    {
        Runtime.SequenceField.FirstStep => "first_step",
        Runtime.SequenceField.LastStep => "last_step",
        _ => field.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// <c>target.name</c> on a runtime value: datetime and timedelta fields, a key of a dict (params, contexts), a
    /// field of an Aim object or of a sequence view. Undefined for Undefined; a missing dict key is a KeyError.
    /// </summary>
    public static object? GetAttr(EvalContext ctx, object? target, string name)
    {
        switch (target)
        {
            case PyUndefined:
                return PyUndefined.Value;
            case DateTime dt:
                return name switch
                {
                    "year" => (long)dt.Year,
                    "month" => (long)dt.Month,
                    "day" => (long)dt.Day,
                    "hour" => (long)dt.Hour,
                    "minute" => (long)dt.Minute,
                    "second" => (long)dt.Second,
                    "microsecond" => dt.Ticks % TimeSpan.TicksPerSecond / 10,
                    _ => throw PyErrors.Attribute(target, name),
                };
            case TimeSpan ts:
                (long days, long rest) = IntDivMod(ts.Ticks / 10, 86_400_000_000);
                return name switch
                {
                    "days" => days,
                    "seconds" => rest / 1_000_000,
                    "microseconds" => rest % 1_000_000,
                    _ => throw PyErrors.Attribute(target, name),
                };
            case AimObject o:
                return o.Fields.TryGetValue(name, out object? field) ? Normalize(field) : null;
            case IQuerySequence s:
                return TryParseSequenceField(name, out SequenceField f) ? SequenceFieldOf(s, f) : throw PyErrors.Attribute(target, name);
        }

        if (target is not null && PyDict.IsDict(target))
        {
            return PyDict.TryGet(target, name, out object? value) ? Normalize(value) : throw PyErrors.Key(name);
        }

        throw PyErrors.Attribute(target, name);
    }

    /// <summary>Parses a sequence field's Python name.</summary>
    public static bool TryParseSequenceField(string name, out SequenceField field)
    {
        foreach (SequenceField f in Enum.GetValues<SequenceField>())
        {
            if (SequenceFieldName(f) == name)
            {
                field = f;
                return true;
            }
        }

        field = default;
        return false;
    }

    /// <summary><c>target[key]</c> on a runtime value; Undefined for Undefined, KeyError for a missing dict key.</summary>
    public static object? Index(EvalContext ctx, object? target, object? key)
    {
        switch (target)
        {
            case PyUndefined:
                return PyUndefined.Value;
            case IReadOnlyList<object?> list:
                return Normalize(list[(int)NormalizeIndex(key, list.Count, target)]);
            case string s:
                if (!PyString.HasSurrogates(s))
                {
                    return s[(int)NormalizeIndex(key, s.Length, target)].ToString();
                }

                List<string> points = PyString.CodePoints(s);
                return points[(int)NormalizeIndex(key, points.Count, target)];
            case byte[] bytes:
                return (long)bytes[(int)NormalizeIndex(key, bytes.Length, target)];
            case AimObject o:
                return key is string k && o.Fields.TryGetValue(k, out object? field) ? Normalize(field) : null;
        }

        if (target is not null && PyDict.IsDict(target))
        {
            PyKeyComparer.CheckHashable(key);
            return PyDict.TryGet(target, key, out object? value) ? Normalize(value) : throw PyErrors.Key(key);
        }

        throw PyErrors.Type($"'{TypeName(target)}' object is not subscriptable");
    }

    private static long NormalizeIndex(object? key, int count, object target)
    {
        if (!IsInt(key))
        {
            throw PyErrors.Type($"{TypeName(target)} indices must be integers or slices, not {TypeName(key)}");
        }

        long i = AsLong(key!);
        if (i < 0)
        {
            i += count;
        }

        return i < 0 || i >= count ? throw PyErrors.Index($"{TypeName(target)} index out of range") : i;
    }

    /// <summary><c>target[lower:upper:step]</c> on a str, list or tuple.</summary>
    public static object? Slice(EvalContext ctx, object? target, object? lower, object? upper, object? step)
    {
        long s = step is null ? 1 : ToIndex(step, "slice indices");
        if (s == 0)
        {
            throw PyErrors.Value("slice step cannot be zero");
        }

        switch (target)
        {
            case string str:
                List<string>? points = PyString.HasSurrogates(str) ? PyString.CodePoints(str) : null;
                int length = points?.Count ?? str.Length;
                var text = new System.Text.StringBuilder();
                foreach (int i in SliceIndices(length, lower, upper, s))
                {
                    text.Append(points is null ? str[i].ToString() : points[i]);
                }

                ctx.Tick(text.Length);
                return text.Length == 0 ? EmptyString : text.ToString();
            case IReadOnlyList<object?> list:
                var items = new List<object?>();
                foreach (int i in SliceIndices(list.Count, lower, upper, s))
                {
                    items.Add(list[i]);
                }

                ctx.Tick(items.Count);
                return target is object?[] ? items.ToArray() : items;
            default:
                throw PyErrors.Type($"'{TypeName(target)}' object is not subscriptable");
        }
    }

    /// <summary>The indexes Python's <c>slice.indices</c> visits for a sequence of <paramref name="length"/>.</summary>
    private static IEnumerable<int> SliceIndices(int length, object? lower, object? upper, long step)
    {
        long Clamp(object? bound, long missing, long min, long max)
        {
            if (bound is null)
            {
                return missing;
            }

            long b = ToIndex(bound, "slice indices");
            if (b < 0)
            {
                b += length;
            }

            return Math.Clamp(b, min, max);
        }

        long start = step > 0 ? Clamp(lower, 0, 0, length) : Clamp(lower, length - 1, -1, length - 1);
        long stop = step > 0 ? Clamp(upper, length, 0, length) : Clamp(upper, -1, -1, length - 1);
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            yield return (int)i;
        }
    }

    /// <summary>An argument array for a list, tuple, dict or variadic call (filled by the compiled code).</summary>
    public static object?[] NewArgs(int count) => count == 0 ? [] : new object?[count];

    /// <summary>A list literal.</summary>
    public static object? MakeList(EvalContext ctx, object?[] items)
    {
        ctx.Tick(items.Length);
        return new List<object?>(items);
    }

    /// <summary>A tuple literal (the array becomes the tuple; the compiled code made it for this).</summary>
    public static object? MakeTuple(EvalContext ctx, object?[] items) => items;

    /// <summary>A dict literal.</summary>
    public static object? MakeDict(EvalContext ctx, object?[] keys, object?[] values) => PyDict.Create(ctx, keys, values);

    private static double UnixSeconds(DateTime time) => (Utc(time) - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;

    /// <summary>A time as UTC: local times are converted, unspecified ones are read as UTC.</summary>
    internal static DateTime Utc(DateTime time) =>
        time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc);
}
