using System.Linq.Expressions;
using System.Reflection;
using AimLsm.Query.Binding;
using AimLsm.Query.Runtime;
using AimLsm.Query.Syntax;

namespace AimLsm.Query.Compilation;

/// <summary>
/// Compiles a bound tree to a delegate with <c>System.Linq.Expressions</c>. The only methods the generated code calls
/// are the runtime's own static methods (<see cref="PyOps"/>, the builtins of <see cref="BuiltinTable"/>), taken from
/// delegates rather than looked up by name, so the emitted code can reach nothing the binder did not allow. Values
/// flow as <c>object</c>; comparisons and <c>and</c>/<c>or</c>/<c>not</c> in a boolean position compile to plain
/// <c>bool</c> logic, so a typical filter boxes nothing but its float operands. Not thread-safe; one instance compiles
/// one delegate.
/// </summary>
internal sealed class QueryCompiler
{
    private static readonly MethodInfo TruthyMethod = new Func<object?, bool>(PyOps.Truthy).Method;
    private static readonly MethodInfo BoxMethod = new Func<bool, object>(PyOps.Box).Method;
    private static readonly MethodInfo RunFieldMethod = new Func<EvalContext, RunField, object?>(PyOps.RunField).Method;
    private static readonly MethodInfo ParamMethod = new Func<EvalContext, int, object?>(PyOps.Param).Method;
    private static readonly MethodInfo ParamLookupMethod = new Func<EvalContext, Encoding.PathSegment[], object?, object?>(PyOps.ParamLookup).Method;
    private static readonly MethodInfo RunMetricMethod = new Func<EvalContext, object?, object?, int, object?>(PyOps.RunMetric).Method;
    private static readonly MethodInfo CurrentSequenceFieldMethod = new Func<EvalContext, SequenceField, object?>(PyOps.CurrentSequenceField).Method;
    private static readonly MethodInfo SequenceFieldMethod = new Func<EvalContext, object?, SequenceField, object?>(PyOps.SequenceField).Method;
    private static readonly MethodInfo GetAttrMethod = new Func<EvalContext, object?, string, object?>(PyOps.GetAttr).Method;
    private static readonly MethodInfo IndexMethod = new Func<EvalContext, object?, object?, object?>(PyOps.Index).Method;
    private static readonly MethodInfo SliceMethod = new Func<EvalContext, object?, object?, object?, object?, object?>(PyOps.Slice).Method;
    private static readonly MethodInfo NewArgsMethod = new Func<int, object?[]>(PyOps.NewArgs).Method;
    private static readonly MethodInfo MakeListMethod = new Func<EvalContext, object?[], object?>(PyOps.MakeList).Method;
    private static readonly MethodInfo MakeTupleMethod = new Func<EvalContext, object?[], object?>(PyOps.MakeTuple).Method;
    private static readonly MethodInfo MakeDictMethod = new Func<EvalContext, object?[], object?[], object?>(PyOps.MakeDict).Method;

    private readonly ParameterExpression _ctx = Expression.Parameter(typeof(EvalContext), "ctx");

    private QueryCompiler()
    {
    }

    /// <summary>A delegate that returns the truthiness of <paramref name="node"/>.</summary>
    public static Func<EvalContext, bool> CompilePredicate(BoundNode node)
    {
        var compiler = new QueryCompiler();
        return Expression.Lambda<Func<EvalContext, bool>>(compiler.Bool(node), compiler._ctx).Compile();
    }

    /// <summary>A delegate that returns the value of <paramref name="node"/> (the tests compare it with a reference interpreter).</summary>
    public static Func<EvalContext, object?> CompileValue(BoundNode node)
    {
        var compiler = new QueryCompiler();
        return Expression.Lambda<Func<EvalContext, object?>>(compiler.Value(node), compiler._ctx).Compile();
    }

    /// <summary>The node's value, typed <c>object</c>.</summary>
    private Expression Value(BoundNode node) => node switch
    {
        BoundConstant c => Constant(c.Value),
        BoundRunField f => Expression.Call(RunFieldMethod, _ctx, Expression.Constant(f.Field)),
        BoundParam p => Expression.Call(ParamMethod, _ctx, Expression.Constant(p.Slot)),
        BoundParamLookup l => Expression.Call(ParamLookupMethod, _ctx, Expression.Constant(l.BasePath), Value(l.Key)),
        BoundRunMetric m => Expression.Call(RunMetricMethod, _ctx, Value(m.Name), Optional(m.Context), Expression.Constant(m.Slot)),
        BoundSequenceField { Source: null } s => Expression.Call(CurrentSequenceFieldMethod, _ctx, Expression.Constant(s.Field)),
        BoundSequenceField s => Expression.Call(SequenceFieldMethod, _ctx, Value(s.Source!), Expression.Constant(s.Field)),
        BoundAttribute a => Expression.Call(GetAttrMethod, _ctx, Value(a.Target), Expression.Constant(a.Name)),
        BoundIndex i => Expression.Call(IndexMethod, _ctx, Value(i.Target), Value(i.Key)),
        BoundSlice s => Expression.Call(SliceMethod, _ctx, Value(s.Target), Optional(s.Lower), Optional(s.Upper), Optional(s.Step)),
        BoundUnary { Operator: UnaryOperator.Not } u => Expression.Call(BoxMethod, Expression.Not(Bool(u.Operand))),
        BoundUnary u => Expression.Call(OperatorTable.Unary(u.Operator).Method, _ctx, Value(u.Operand)),
        BoundBinary b => Expression.Call(OperatorTable.Binary(b.Operator).Method, _ctx, Value(b.Left), Value(b.Right)),
        BoundCompare c => Expression.Call(BoxMethod, Compare(c)),
        BoundBoolOp b => BoolOpValue(b),
        BoundConditional c => Expression.Condition(Bool(c.Test), Value(c.Body), Value(c.OrElse), typeof(object)),
        BoundCollection c => Expression.Call(c.IsTuple ? MakeTupleMethod : MakeListMethod, _ctx, Array(c.Items)),
        BoundDict d => Expression.Call(MakeDictMethod, _ctx, Array(d.Keys), Array(d.Values)),
        BoundCall c => Call(c),
        _ => throw new InvalidOperationException($"Unexpected bound node {node.GetType().Name}."),
    };

    /// <summary>The node's truthiness, typed <c>bool</c>.</summary>
    private Expression Bool(BoundNode node)
    {
        switch (node)
        {
            case BoundConstant c:
                return Expression.Constant(PyOps.Truthy(c.Value));
            case BoundCompare c:
                return Compare(c);
            case BoundUnary { Operator: UnaryOperator.Not } u:
                return Expression.Not(Bool(u.Operand));
            case BoundBoolOp b:
                // In a boolean position only truthiness matters, so and/or become short-circuit bool logic.
                Expression result = Bool(b.Operands[^1]);
                for (int i = b.Operands.Count - 2; i >= 0; i--)
                {
                    result = b.IsAnd ? Expression.AndAlso(Bool(b.Operands[i]), result) : Expression.OrElse(Bool(b.Operands[i]), result);
                }

                return result;
            case BoundConditional c:
                return Expression.Condition(Bool(c.Test), Bool(c.Body), Bool(c.OrElse));
            default:
                return Expression.Call(TruthyMethod, Value(node));
        }
    }

    /// <summary>A comparison chain: each inner operand evaluated once, left to right, stopping at the first false link.</summary>
    private Expression Compare(BoundCompare c)
    {
        var temps = new List<ParameterExpression>();
        Expression left = Value(c.Operands[0]);
        Expression? chain = null;
        for (int i = 0; i < c.Operators.Count; i++)
        {
            Expression right = Value(c.Operands[i + 1]);
            Expression rightRead = right;
            if (i + 1 < c.Operators.Count)
            {
                ParameterExpression temp = Expression.Variable(typeof(object), "cmp" + i);
                temps.Add(temp);
                right = Expression.Assign(temp, right);
                rightRead = temp;
            }

            Expression link = Expression.Call(OperatorTable.Compare(c.Operators[i]).Method, _ctx, left, right);
            chain = chain is null ? link : Expression.AndAlso(chain, link);
            left = rightRead;
        }

        return temps.Count == 0 ? chain! : Expression.Block(typeof(bool), temps, chain!);
    }

    /// <summary><c>a or b</c> as a value: the first truthy operand (or the last one); <c>and</c>: the first falsy one.</summary>
    private Expression BoolOpValue(BoundBoolOp b)
    {
        ParameterExpression temp = Expression.Variable(typeof(object), "boolop");
        Expression result = Value(b.Operands[^1]);
        for (int i = b.Operands.Count - 2; i >= 0; i--)
        {
            Expression truthy = Expression.Call(TruthyMethod, Expression.Assign(temp, Value(b.Operands[i])));
            result = b.IsAnd
                ? Expression.Condition(truthy, result, temp, typeof(object))
                : Expression.Condition(truthy, temp, result, typeof(object));
        }

        return Expression.Block(typeof(object), [temp], result);
    }

    private Expression Call(BoundCall call)
    {
        MethodInfo method = call.Function.Implementation.Method;
        if (call.Function.TakesArray)
        {
            return Expression.Call(method, _ctx, Array(call.Arguments));
        }

        var arguments = new Expression[call.Arguments.Count + 1];
        arguments[0] = _ctx;
        for (int i = 0; i < call.Arguments.Count; i++)
        {
            arguments[i + 1] = Value(call.Arguments[i]);
        }

        return Expression.Call(method, arguments);
    }

    /// <summary>
    /// An <c>object?[]</c> of the items' values, built by a runtime call and element stores (Expression.NewArrayInit
    /// needs dynamic code, which the engine, being AOT-compatible, does not use).
    /// </summary>
    private Expression Array(IReadOnlyList<BoundNode> items)
    {
        ParameterExpression array = Expression.Variable(typeof(object[]), "items");
        var body = new List<Expression> { Expression.Assign(array, Expression.Call(NewArgsMethod, Expression.Constant(items.Count))) };
        for (int i = 0; i < items.Count; i++)
        {
            body.Add(Expression.Assign(Expression.ArrayAccess(array, Expression.Constant(i)), Value(items[i])));
        }

        body.Add(array);
        return Expression.Block(typeof(object[]), [array], body);
    }

    private Expression Optional(BoundNode? node) => node is null ? Constant(null) : Value(node);

    private static ConstantExpression Constant(object? value) => Expression.Constant(value, typeof(object));
}
