using AimLsm.Query.Runtime;
using AimLsm.Query.Syntax;
using AimLsm.Encoding;

namespace AimLsm.Query.Binding;

/// <summary>Attribute and subscript resolution: run fields and params, sequence fields, <c>run.metrics[...]</c>, and values.</summary>
internal sealed partial class Binder
{
    private Resolved ResolveAttribute(AttributeNode node)
    {
        string name = node.Name;
        if (name.StartsWith('_'))
        {
            throw NameError(node.NameStart, name, $"attribute names starting with '_' are not allowed in queries ('{name}')", []);
        }

        Resolved target = Resolve(node.Target);
        switch (target.Kind)
        {
            case ResolvedKind.Run:
                if (name == "metrics")
                {
                    return new Resolved(ResolvedKind.Metrics);
                }

                if (AllowList.RunFields.TryGetValue(name, out RunField field))
                {
                    _mentionsArchived |= field == RunField.Archived;
                    return Value(new BoundRunField(field));
                }

                // Anything else is a param, as in Aim: run.hparams, run.learning_rate.
                return new Resolved(ResolvedKind.Param, Path: [name]);
            case ResolvedKind.Param:
                return new Resolved(ResolvedKind.Param, Path: [.. target.Path!, name]);
            case ResolvedKind.Sequence:
                return PyOps.TryParseSequenceField(name, out SequenceField seqField)
                    ? Value(new BoundSequenceField(null, seqField))
                    : throw NameError(node.NameStart, name,
                        $"'{_kindName}' has no attribute '{name}'; available: {string.Join(", ", AllowList.SequenceFieldNames)}", AllowList.SequenceFieldNames);
            case ResolvedKind.Value when target.Value is BoundRunMetric metric:
                // run.metrics[...] is a sequence view: its fields are known, so a misspelt one fails here, not per run.
                return PyOps.TryParseSequenceField(name, out SequenceField metricField)
                    ? Value(new BoundSequenceField(metric, metricField))
                    : throw NameError(node.NameStart, name,
                        $"run.metrics[...] has no attribute '{name}'; available: {string.Join(", ", AllowList.SequenceFieldNames)}", AllowList.SequenceFieldNames);
            case ResolvedKind.Value:
                return Value(Fold(node, new BoundAttribute(target.Value!, name)));
            case ResolvedKind.DatetimeModule:
            case ResolvedKind.ReModule:
                IEnumerable<string> members = (target.Kind == ResolvedKind.ReModule ? BuiltinTable.ReMembers : BuiltinTable.DatetimeMembers).Keys;
                string module = target.Kind == ResolvedKind.ReModule ? "re" : "datetime";
                throw NameError(node.NameStart, name, $"'{module}.{name}' is not allowed (or not called); allowed: {string.Join(", ", members.Select(m => $"{module}.{m}(...)"))}", [.. members]);
            case ResolvedKind.Metrics:
                throw NameError(node.NameStart, name, "run.metrics must be subscripted: run.metrics['loss'] or run.metrics['loss', {'subset': 'train'}]", []);
            default:
                throw NameError(node.NameStart, name, $"functions have no attributes ('{name}')", []);
        }
    }

    private Resolved ResolveSubscript(SubscriptNode node)
    {
        Resolved target = Resolve(node.Target);
        switch (target.Kind)
        {
            case ResolvedKind.Run:
            case ResolvedKind.Param:
                PathSegment[] basePath = target.Path ?? [];
                if (node.Index is SliceNode slice)
                {
                    if (target.Kind == ResolvedKind.Run)
                    {
                        throw NameError(node.Index, "run", "run cannot be sliced; subscript it with a param name: run['hparams']", []);
                    }

                    return Value(BindSlice(node, Param(basePath), slice));
                }

                BoundNode key = BindValue(node.Index);
                if (key is BoundConstant constant && TryConstantPath(constant.Value, out List<PathSegment>? extension))
                {
                    return new Resolved(ResolvedKind.Param, Path: [.. basePath, .. extension]);
                }

                // A negative index (layers[-1]) or another key that is not a path segment indexes the param's value.
                return Value(key is BoundConstant && target.Kind == ResolvedKind.Param
                    ? Fold(node, new BoundIndex(Param(basePath), key))
                    : new BoundParamLookup(basePath, key));
            case ResolvedKind.Metrics:
                return Value(BindRunMetric(node));
            case ResolvedKind.Value:
                return Value(node.Index is SliceNode s ? BindSlice(node, target.Value!, s) : Fold(node, new BoundIndex(target.Value!, BindValue(node.Index))));
            case ResolvedKind.Sequence:
                throw NameError(node.Index, _kindName!, $"'{_kindName}' is not subscriptable; use {_kindName}.context['key'] for a context key", AllowList.SequenceFieldNames);
            default:
                throw NameError(node.Index, "subscript", "this name is not subscriptable", []);
        }
    }

    /// <summary>
    /// A constant param key as path segments: a str, a non-negative int, or a tuple of them (an empty str is a
    /// segment too, where nothing is ever stored). False for other keys (a negative index, a float, ...), which index
    /// the param's value instead.
    /// </summary>
    private static bool TryConstantPath(object? key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out List<PathSegment>? path)
    {
        path = [];
        IEnumerable<object?> parts = key is object?[] tuple ? tuple : [key];
        foreach (object? part in parts)
        {
            if (part is not (string or long or bool) || part is long and < 0)
            {
                path = null;
                return false;
            }

            PyOps.AppendSegment(path, part);
        }

        return true;
    }

    private BoundRunMetric BindRunMetric(SubscriptNode node)
    {
        if (node.Index is SliceNode)
        {
            throw NameError(node.Index, "metrics", "run.metrics cannot be sliced; use run.metrics['loss'] or run.metrics['loss', {'subset': 'train'}]", []);
        }

        BoundNode name;
        BoundNode? context = null;
        if (node.Index is TupleNode tuple)
        {
            if (tuple.Items.Count != 2)
            {
                throw NameError(node.Index, "metrics", "run.metrics[...] takes a name and an optional context: run.metrics['loss', {'subset': 'train'}]", []);
            }

            name = BindValue(tuple.Items[0]);
            context = BindValue(tuple.Items[1]);
        }
        else
        {
            name = BindValue(node.Index);
        }

        return new BoundRunMetric(name, context, MetricSlot(name, context));
    }

    /// <summary>The cache slot for a constant name and context (shared by equal ones), or -1 when either is computed at run time.</summary>
    private int MetricSlot(BoundNode name, BoundNode? context)
    {
        if (name is not BoundConstant n || context is not (null or BoundConstant))
        {
            return -1;
        }

        object? c = (context as BoundConstant)?.Value;
        for (int i = 0; i < _metricKeys.Count; i++)
        {
            if (PyOps.Equal(_fold, _metricKeys[i].Name, n.Value) && PyOps.Equal(_fold, _metricKeys[i].Context, c))
            {
                return i;
            }
        }

        _metricKeys.Add((n.Value, c));
        return _metricKeys.Count - 1;
    }

    private BoundNode BindSlice(SyntaxNode node, BoundNode target, SliceNode slice)
    {
        BoundNode? Part(SyntaxNode? part) => part is null ? null : BindValue(part);
        return Fold(node, new BoundSlice(target, Part(slice.Lower), Part(slice.Upper), Part(slice.Step)));
    }
}
