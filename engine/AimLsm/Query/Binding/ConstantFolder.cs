using AimLsm.Query.Runtime;
using AimLsm.Query.Syntax;

namespace AimLsm.Query.Binding;

/// <summary>
/// Evaluates bound nodes whose operands are all constants, with the same runtime methods the compiled code calls
/// (<see cref="OperatorTable"/>, <see cref="BuiltinSignature.Invoke"/>). An evaluation error leaves the node as it was,
/// to fail (or be short-circuited away) at run time as in Python; a limit error propagates.
/// </summary>
internal static class ConstantFolder
{
    /// <summary>The folded constant, or <paramref name="node"/> when it cannot be folded.</summary>
    /// <exception cref="QueryLimitException">Folding exceeded a limit.</exception>
    public static BoundNode TryFold(BoundNode node, EvalContext ctx)
    {
        if (!IsFoldable(node))
        {
            return node;
        }

        try
        {
            return new BoundConstant(Evaluate(node, ctx));
        }
        catch (QueryEvaluationException)
        {
            return node;
        }
    }

    /// <summary>
    /// <c>and</c>/<c>or</c> with constant operands simplified: a constant that decides the chain (falsy for
    /// <c>and</c>, truthy for <c>or</c>) ends it; one that does not is dropped unless it is last, where it is the value.
    /// </summary>
    public static BoundNode FoldBoolOp(bool isAnd, IReadOnlyList<BoundNode> operands)
    {
        var kept = new List<BoundNode>(operands.Count);
        for (int i = 0; i < operands.Count; i++)
        {
            BoundNode operand = operands[i];
            if (operand is BoundConstant constant)
            {
                bool decides = PyOps.Truthy(constant.Value) != isAnd;
                if (decides || i == operands.Count - 1)
                {
                    kept.Add(operand);
                    break;
                }

                continue;
            }

            kept.Add(operand);
        }

        return kept.Count == 1 ? kept[0] : new BoundBoolOp(isAnd, kept);
    }

    private static bool IsFoldable(BoundNode node) => node switch
    {
        BoundUnary u => u.Operand is BoundConstant,
        BoundBinary b => b.Left is BoundConstant && b.Right is BoundConstant,
        BoundCompare c => c.Operands.All(o => o is BoundConstant),
        BoundCollection c => c.Items.All(i => i is BoundConstant),
        BoundDict d => d.Keys.All(k => k is BoundConstant) && d.Values.All(v => v is BoundConstant),
        BoundCall c => c.Function.IsPure && c.Arguments.All(a => a is BoundConstant),
        BoundAttribute a => a.Target is BoundConstant,
        BoundIndex i => i.Target is BoundConstant && i.Key is BoundConstant,
        BoundSlice s => s.Target is BoundConstant && s.Lower is null or BoundConstant && s.Upper is null or BoundConstant && s.Step is null or BoundConstant,
        _ => false,
    };

    private static object? Evaluate(BoundNode node, EvalContext ctx) => node switch
    {
        BoundUnary { Operator: UnaryOperator.Not } u => PyOps.Box(!PyOps.Truthy(Value(u.Operand))),
        BoundUnary u => OperatorTable.Unary(u.Operator)(ctx, Value(u.Operand)),
        BoundBinary b => OperatorTable.Binary(b.Operator)(ctx, Value(b.Left), Value(b.Right)),
        BoundCompare c => PyOps.Box(EvaluateChain(c, ctx)),
        BoundCollection { IsTuple: true } c => c.Items.Select(Value).ToArray(),
        BoundCollection c => PyOps.MakeList(ctx, [.. c.Items.Select(Value)]),
        BoundDict d => PyDict.Create(ctx, [.. d.Keys.Select(Value)], [.. d.Values.Select(Value)]),
        BoundCall c => c.Function.Invoke(ctx, [.. c.Arguments.Select(Value)]),
        BoundAttribute a => PyOps.GetAttr(ctx, Value(a.Target), a.Name),
        BoundIndex i => PyOps.Index(ctx, Value(i.Target), Value(i.Key)),
        BoundSlice s => PyOps.Slice(ctx, Value(s.Target), Value(s.Lower), Value(s.Upper), Value(s.Step)),
        _ => throw new InvalidOperationException("Not foldable."),
    };

    private static bool EvaluateChain(BoundCompare compare, EvalContext ctx)
    {
        for (int i = 0; i < compare.Operators.Count; i++)
        {
            if (!OperatorTable.Compare(compare.Operators[i])(ctx, Value(compare.Operands[i]), Value(compare.Operands[i + 1])))
            {
                return false;
            }
        }

        return true;
    }

    private static object? Value(BoundNode? node) => node is null ? null : ((BoundConstant)node).Value;
}
