using AimLsm.Query;
using AimLsm.Query.Runtime;
using AimLsm.Query.Syntax;
using AimLsm.Encoding;

namespace AimLsm.Tests.Query;

/// <summary>
/// The oracle of the differential property test: a direct, tree-walking evaluation of the parsed syntax tree. It
/// shares the primitive operations (<see cref="OperatorTable"/>, <see cref="BuiltinTable"/>, <see cref="PyOps"/>'s
/// attribute and index helpers) with the compiled code, but none of the binder, the constant folder, the prefilter
/// split or the expression-tree compiler: name resolution, lazy params, short-circuiting, comparison chains and the
/// values of and/or are done here again, plainly. It covers the subset of AimQL the generator produces.
/// </summary>
internal sealed class ReferenceInterpreter
{
    private readonly EvalContext _ctx;
    private readonly IQueryRun _run;

    // One list per run, as the compiled code keeps it: 'run.tags is run.tags' is then True in both.
    private List<object?>? _tags;

    public ReferenceInterpreter(IQueryRun run)
    {
        _run = run;
        _ctx = EvalContext.Detached(CompileLimits.Of(new QueryOptions()).Evaluation);
    }

    public object? Evaluate(SyntaxNode node)
    {
        switch (node)
        {
            case ConstantNode c:
                return c.Value;
            case AttributeNode or SubscriptNode when TryParamPath(node, out List<PathSegment>? path):
                return PyOps.ReadParam(_run, [.. path]);
            case AttributeNode { Target: NameNode { Name: "run" } } a:
                return a.Name switch
                {
                    "name" => _run.Name,
                    "hash" => _run.Hash,
                    "tags" => _tags ??= _run.Tags.Select(t => (object?)t).ToList(),
                    _ => throw new NotSupportedException(a.Name),
                };
            case AttributeNode a:
                return PyOps.GetAttr(_ctx, Evaluate(a.Target), a.Name);
            case SubscriptNode { Index: SliceNode s } sub:
                return PyOps.Slice(_ctx, Evaluate(sub.Target), Optional(s.Lower), Optional(s.Upper), Optional(s.Step));
            case SubscriptNode sub:
                return PyOps.Index(_ctx, Evaluate(sub.Target), Evaluate(sub.Index));
            case UnaryNode { Operator: UnaryOperator.Not } u:
                return !PyOps.Truthy(Evaluate(u.Operand));
            case UnaryNode u:
                return OperatorTable.Unary(u.Operator)(_ctx, Evaluate(u.Operand));
            case BinaryNode b:
                object? left = Evaluate(b.Left);
                return OperatorTable.Binary(b.Operator)(_ctx, left, Evaluate(b.Right));
            case BoolOpNode b:
                object? value = null;
                foreach (SyntaxNode operand in b.Operands)
                {
                    value = Evaluate(operand);
                    if (PyOps.Truthy(value) != b.IsAnd)
                    {
                        break;
                    }
                }

                return value;
            case CompareNode c:
                object? current = Evaluate(c.Operands[0]);
                for (int i = 0; i < c.Operators.Count; i++)
                {
                    object? next = Evaluate(c.Operands[i + 1]);
                    if (!OperatorTable.Compare(c.Operators[i])(_ctx, current, next))
                    {
                        return false;
                    }

                    current = next;
                }

                return true;
            case ConditionalNode c:
                return PyOps.Truthy(Evaluate(c.Test)) ? Evaluate(c.Body) : Evaluate(c.OrElse);
            case ListNode l:
                return l.Items.Select(Evaluate).ToList();
            case TupleNode t:
                return t.Items.Select(Evaluate).ToArray();
            case DictNode d:
                object?[] keys = [.. d.Keys.Select(Evaluate)];
                return PyDict.Create(_ctx, keys, [.. d.Values.Select(Evaluate)]);
            case CallNode { Callee: NameNode name } call:
                return Call(BuiltinTable.Functions[name.Name], [], call.Arguments);
            case CallNode { Callee: AttributeNode method } call:
                object? receiver = Evaluate(method.Target);
                return Call(BuiltinTable.Methods[method.Name], [receiver], call.Arguments);
            default:
                throw new NotSupportedException(node.GetType().Name);
        }
    }

    private object? Call(BuiltinSignature function, List<object?> arguments, IReadOnlyList<SyntaxNode> syntax)
    {
        arguments.AddRange(syntax.Select(Evaluate));
        if (!function.IsVariadic)
        {
            int given = syntax.Count;
            for (int i = given; i < function.Parameters.Count; i++)
            {
                arguments.Add(function.Defaults[i - function.Required]);
            }
        }

        return function.Invoke(_ctx, [.. arguments]);
    }

    private object? Optional(SyntaxNode? node) => node is null ? null : Evaluate(node);

    /// <summary>
    /// <c>run.a.b</c> and <c>run['a', 'b']</c> below <c>run</c>, when the names are not run fields: the param path.
    /// A key may be the empty string, where no param can be stored.
    /// </summary>
    private static bool TryParamPath(SyntaxNode node, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out List<PathSegment>? path)
    {
        path = null;
        switch (node)
        {
            case AttributeNode { Target: NameNode { Name: "run" } } a:
                if (a.Name is "name" or "hash" or "tags")
                {
                    return false;
                }

                path = [a.Name];
                return true;
            case AttributeNode a when TryParamPath(a.Target, out List<PathSegment>? parent):
                path = [.. parent, a.Name];
                return true;
            case SubscriptNode { Target: var target, Index: ConstantNode or TupleNode } s
                when (target is NameNode { Name: "run" } || TryParamPath(target, out _)) && Keys(s.Index) is { } keys:
                List<PathSegment>? basePath = [];
                if (target is not NameNode && !TryParamPath(target, out basePath))
                {
                    return false;
                }

                path = [.. basePath, .. keys];
                return true;
            default:
                return false;
        }
    }

    private static List<PathSegment>? Keys(SyntaxNode index)
    {
        IEnumerable<SyntaxNode> items = index is TupleNode t ? t.Items : [index];
        var keys = new List<PathSegment>();
        foreach (SyntaxNode item in items)
        {
            switch (item)
            {
                case ConstantNode { Value: string s }:
                    keys.Add(s);
                    break;
                case ConstantNode { Value: long l } when l >= 0:
                    keys.Add(l);
                    break;
                default:
                    return null;
            }
        }

        return keys;
    }
}
