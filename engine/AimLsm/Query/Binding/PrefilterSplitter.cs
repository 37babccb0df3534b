using AimLsm.Query.Runtime;

namespace AimLsm.Query.Binding;

/// <summary>
/// Splits a sequence query into a run-level prefilter and a sequence-level remainder, as Aim 3.28's
/// <c>QueryExpressionTransformer</c> does, so a run that fails the prefilter skips all its sequences.
/// <para>
/// The prefilter P is a run-only over-approximation: if P is false (or raises) for a run, the query is false for every
/// sequence of the run. It replaces every sequence-dependent part by "unknown" (True) and simplifies:
/// P(a and b) = P(a) and P(b); P(a or b) = P(a) or P(b); a run-only node is itself; anything else mixing the two is True.
/// Because Python evaluates left to right, a run-only part that raises would also raise in every sequence's evaluation
/// before it could make the query true, so treating an error as "no match" loses nothing.
/// </para>
/// <para>
/// The remainder drops the top-level conjuncts that are run-only: the prefilter has already found them true for this
/// run. What is left is evaluated per sequence (True when nothing is left: every sequence of the kind matches).
/// </para>
/// </summary>
internal static class PrefilterSplitter
{
    /// <summary>The prefilter and the remainder of <paramref name="root"/>.</summary>
    public static (BoundNode Prefilter, BoundNode Remainder) Split(BoundNode root) => (Prefilter(root), Remainder(root));

    private static BoundNode Prefilter(BoundNode node)
    {
        if (!node.UsesSequence)
        {
            return node;
        }

        if (node is not BoundBoolOp boolOp)
        {
            return BoundConstant.True;
        }

        var parts = new List<BoundNode>();
        foreach (BoundNode operand in boolOp.Operands)
        {
            BoundNode part = Prefilter(operand);
            bool unknown = ReferenceEquals(part, BoundConstant.True);
            if (unknown && !boolOp.IsAnd)
            {
                // One unknown branch of an 'or' may be the one that is true.
                return BoundConstant.True;
            }

            if (!unknown)
            {
                parts.Add(part);
            }
        }

        return parts.Count switch
        {
            0 => BoundConstant.True,
            1 => parts[0],
            _ => new BoundBoolOp(boolOp.IsAnd, parts),
        };
    }

    private static BoundNode Remainder(BoundNode node)
    {
        if (!node.UsesSequence)
        {
            return BoundConstant.True;
        }

        if (node is not BoundBoolOp { IsAnd: true } and)
        {
            return node;
        }

        var parts = new List<BoundNode>();
        foreach (BoundNode operand in and.Operands)
        {
            if (operand.UsesSequence)
            {
                BoundNode part = Remainder(operand);
                if (part is BoundBoolOp { IsAnd: true } nested)
                {
                    parts.AddRange(nested.Operands);
                }
                else
                {
                    parts.Add(part);
                }
            }
        }

        return parts.Count == 1 ? parts[0] : new BoundBoolOp(IsAnd: true, parts);
    }

    /// <summary>True when <paramref name="node"/> is the constant True the splitter uses for "unknown" and "nothing left".</summary>
    public static bool IsAlwaysTrue(BoundNode node) => node is BoundConstant c && PyOps.Truthy(c.Value);
}
