using AimLsm.Query.Runtime;
using AimLsm.Query.Syntax;
using AimLsm.Encoding;

namespace AimLsm.Query.Binding;

/// <summary>
/// Turns the syntax tree into a bound tree: resolves every name against the allow-list (the security boundary: a
/// name, attribute or method that is not allowed stops compilation with <see cref="QueryNameException"/>), keeps
/// params lazy as paths, gives each constant param path and <c>run.metrics[...]</c> a cache slot, and folds constant
/// subtrees. Folding errors that are limits (<c>10**10**10</c>, <c>'a' * 10**9</c>) stop compilation unless
/// short-circuiting may skip the subtree; other folding errors (<c>1/0</c>) are left for evaluation, as in Python. Recursion is
/// bounded by the parser's depth limit. Not thread-safe; one instance binds one query.
/// </summary>
internal sealed partial class Binder
{
    /// <summary>
    /// The work all constant folding of one query may do (elements visited, characters built; tens of milliseconds):
    /// beyond it, a constant subtree fails to compile. Twenty lists of the maximum length fit. Folding also runs under
    /// the query's time and memory budgets (<see cref="EvalContext.Folding"/>).
    /// </summary>
    private const long MaxFoldWork = 2_000_000;

    private readonly string _text;
    private readonly bool _sequenceQuery;
    private readonly SequenceKind? _fixedKind;
    private readonly EvalContext _fold;
    private readonly List<PathSegment[]> _paramPaths = [];
    private readonly Dictionary<string, int> _paramSlots = new(StringComparer.Ordinal);
    private readonly List<(object? Name, object? Context)> _metricKeys = [];
    private SequenceKind? _kind;
    private string? _kindName;
    private bool _mentionsArchived;
    private int _conditional;

    private Binder(string text, bool sequenceQuery, SequenceKind? fixedKind, QueryLimits limits, QueryBudget budget)
    {
        _text = text;
        _sequenceQuery = sequenceQuery;
        _fixedKind = fixedKind;
        _fold = EvalContext.Folding(limits, budget, MaxFoldWork);
    }

    /// <summary>Binds a parsed query.</summary>
    /// <param name="root">The parsed expression.</param>
    /// <param name="text">The query text, for error positions.</param>
    /// <param name="sequenceQuery">True for a sequence query (a sequence variable may be used).</param>
    /// <param name="fixedKind">For a sequence query, the only sequence variable allowed; null allows any one.</param>
    /// <param name="limits">The limits constant folding enforces.</param>
    /// <param name="budget">The time and memory constant folding may take.</param>
    /// <exception cref="QueryNameException">A name, attribute, method or call is not allowed.</exception>
    /// <exception cref="QueryLimitException">Folding a constant subtree exceeded a limit or the memory budget.</exception>
    /// <exception cref="QueryTimeoutException">Folding took longer than the time budget.</exception>
    /// <exception cref="QueryEvaluationException">A constant regex pattern is invalid.</exception>
    public static BoundQuery Bind(SyntaxNode root, string text, bool sequenceQuery, SequenceKind? fixedKind, QueryLimits limits, QueryBudget budget)
    {
        var binder = new Binder(text, sequenceQuery, fixedKind, limits, budget);
        BoundNode bound = binder.BindValue(root);
        return new BoundQuery(bound, [.. binder._paramPaths], binder._metricKeys.Count, binder._kind, binder._mentionsArchived);
    }

    /// <summary>Binds a node that must produce a value.</summary>
    private BoundNode BindValue(SyntaxNode node)
    {
        Resolved r = Resolve(node);
        return r.Kind switch
        {
            ResolvedKind.Value => r.Value!,
            ResolvedKind.Param => Param(r.Path!),
            ResolvedKind.Run => throw NameError(node, "run", "'run' cannot be used as a value; use a field such as run.hash or a param such as run.hparams.lr", AllowList.RunAttributes),
            ResolvedKind.Sequence => throw NameError(node, _kindName!, $"'{_kindName}' cannot be used as a value; use a field such as {_kindName}.name", AllowList.SequenceFieldNames),
            ResolvedKind.Metrics => throw NameError(node, "metrics", "run.metrics must be subscripted: run.metrics['loss'] or run.metrics['loss', {'subset': 'train'}]", []),
            ResolvedKind.Function => throw NameError(node, r.Function!.Name, $"'{r.Function!.Name}' is a function; call it", []),
            _ => throw NameError(node, node is NameNode n ? n.Name : "module", "a module cannot be used as a value; call one of its functions", []),
        };
    }

    /// <summary>Resolves a node: names, attributes and subscripts may yield views; everything else is a value.</summary>
    private Resolved Resolve(SyntaxNode node) => node switch
    {
        NameNode name => ResolveName(name),
        AttributeNode attribute => ResolveAttribute(attribute),
        SubscriptNode subscript => ResolveSubscript(subscript),
        CallNode call => Value(BindCall(call)),
        _ => Value(BindOperator(node)),
    };

    private static Resolved Value(BoundNode node) => new(ResolvedKind.Value, node);

    private Resolved ResolveName(NameNode node)
    {
        string name = node.Name;
        if (name.StartsWith('_'))
        {
            throw NameError(node, name, $"names starting with '_' are not allowed in queries ('{name}')", AllowList.Names(_sequenceQuery));
        }

        if (name == "run")
        {
            return new Resolved(ResolvedKind.Run);
        }

        if (SequenceKinds.FromVariableName(name) is { } kind)
        {
            UseSequenceVariable(node, name, kind);
            return new Resolved(ResolvedKind.Sequence);
        }

        if (name == "datetime")
        {
            return new Resolved(ResolvedKind.DatetimeModule);
        }

        if (name == "re")
        {
            return new Resolved(ResolvedKind.ReModule);
        }

        if (BuiltinTable.Functions.TryGetValue(name, out BuiltinSignature? function))
        {
            return new Resolved(ResolvedKind.Function, Function: function);
        }

        string allowed = string.Join(", ", AllowList.Names(_sequenceQuery));
        throw NameError(node, name, AllowList.Forbidden.Contains(name)
            ? $"name '{name}' is not allowed in queries; allowed names: {allowed}"
            : $"name '{name}' is not defined; allowed names: {allowed}", AllowList.Names(_sequenceQuery));
    }

    private void UseSequenceVariable(NameNode node, string name, SequenceKind kind)
    {
        if (!_sequenceQuery)
        {
            throw NameError(node, name, $"'{name}' is only available in sequence queries; a run query can use 'run'", ["run"]);
        }

        if (_fixedKind is { } fixedKind && fixedKind != kind)
        {
            string expected = SequenceKinds.VariableName(fixedKind);
            throw NameError(node, name, $"this is a query over {expected}; use '{expected}', not '{name}'", ["run", expected]);
        }

        if (_kind is { } used && used != kind)
        {
            throw NameError(node, name,
                $"a query can use only one of {string.Join(", ", SequenceKinds.VariableNames)}; it uses both '{_kindName}' and '{name}'",
                ["run", _kindName!]);
        }

        _kind = kind;
        _kindName = name;
    }

    private BoundParam Param(PathSegment[] path)
    {
        string key = PathSegment.Format(path);
        if (!_paramSlots.TryGetValue(key, out int slot))
        {
            slot = _paramPaths.Count;
            _paramPaths.Add(path);
            _paramSlots.Add(key, slot);
        }

        return new BoundParam(path, slot);
    }

    private QueryNameException NameError(SyntaxNode node, string name, string detail, IReadOnlyList<string> allowed) =>
        NameError(node.Start, name, detail, allowed);

    private QueryNameException NameError(int offset, string name, string detail, IReadOnlyList<string> allowed) =>
        new(detail, name, allowed, _text, offset);
}
