using AimLsm.Query.Runtime;
using AimLsm.Query.Syntax;

namespace AimLsm.Query.Binding;

/// <summary>Literals and operators: each binds its operands as values and then folds when they are all constants.</summary>
internal sealed partial class Binder
{
    private BoundNode BindOperator(SyntaxNode node)
    {
        switch (node)
        {
            case ConstantNode constant:
                return new BoundConstant(constant.Value is bool b ? PyOps.Box(b) : constant.Value);
            case UnaryNode unary:
                return Fold(node, new BoundUnary(unary.Operator, BindValue(unary.Operand)));
            case BinaryNode binary:
                return Fold(node, new BoundBinary(binary.Operator, BindValue(binary.Left), BindValue(binary.Right)));
            case CompareNode compare:
                // A chain stops at its first false link: operands after the second may never be evaluated.
                return Fold(node, new BoundCompare([.. compare.Operands.Select((o, i) => i < 2 ? BindValue(o) : BindConditionally(o))], compare.Operators));
            case BoolOpNode boolOp:
                return ConstantFolder.FoldBoolOp(boolOp.IsAnd, [.. boolOp.Operands.Select((o, i) => i == 0 ? BindValue(o) : BindConditionally(o))]);
            case ConditionalNode conditional:
                BoundNode test = BindValue(conditional.Test);
                // Both branches are bound, so a refused name is refused even in the branch not taken.
                BoundNode body = BindConditionally(conditional.Body);
                BoundNode orElse = BindConditionally(conditional.OrElse);
                return test is BoundConstant c ? (PyOps.Truthy(c.Value) ? body : orElse) : new BoundConditional(test, body, orElse);
            case ListNode list:
                return Fold(node, new BoundCollection(IsTuple: false, [.. list.Items.Select(BindValue)]));
            case TupleNode tuple:
                return Fold(node, new BoundCollection(IsTuple: true, [.. tuple.Items.Select(BindValue)]));
            case DictNode dict:
                return Fold(node, new BoundDict([.. dict.Keys.Select(BindValue)], [.. dict.Values.Select(BindValue)]));
            case SliceNode slice:
                throw NameError(slice, "slice", "a slice is only allowed inside a subscript", []);
            default:
                throw new InvalidOperationException($"Unexpected syntax node {node.GetType().Name}.");
        }
    }

    /// <summary>Binds an operand that short-circuiting may skip (see <see cref="Fold"/>).</summary>
    private BoundNode BindConditionally(SyntaxNode node)
    {
        _conditional++;
        try
        {
            return BindValue(node);
        }
        finally
        {
            _conditional--;
        }
    }

    /// <summary>
    /// Folds <paramref name="bound"/> when its operands are constants. A limit error becomes a compile error at
    /// <paramref name="node"/> when the node is evaluated whenever the query is; under a short-circuit (a later operand
    /// of and/or, a branch of a conditional, a later link of a comparison chain) the node is kept, so the error
    /// happens only if evaluation reaches it, as in Python.
    /// </summary>
    private BoundNode Fold(SyntaxNode node, BoundNode bound)
    {
        try
        {
            return ConstantFolder.TryFold(bound, _fold);
        }
        catch (QueryLimitException e) when (_conditional == 0)
        {
            throw new QueryLimitException(e.Detail, _text, node.Start);
        }
        catch (QueryLimitException)
        {
            return bound;
        }
    }
}
