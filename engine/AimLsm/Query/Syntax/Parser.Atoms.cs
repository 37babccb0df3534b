using System.Text;

namespace AimLsm.Query.Syntax;

/// <summary>The last precedence level (atoms) and the bracketed forms: calls, subscripts, tuples, lists, dicts.</summary>
internal sealed partial class Parser
{
    /// <summary>Level 12: a name, a literal, or a bracketed expression.</summary>
    private SyntaxNode ParseAtom()
    {
        Token t = Current;
        switch (t.Kind)
        {
            case TokenKind.Name:
                Advance();
                return Make(new NameNode(t.Start, t.End, (string)t.Value!));
            case TokenKind.Int:
            case TokenKind.Float:
                Advance();
                return Make(new ConstantNode(t.Start, t.End, t.Value));
            case TokenKind.True:
            case TokenKind.False:
                Advance();
                return Make(new ConstantNode(t.Start, t.End, t.Kind == TokenKind.True));
            case TokenKind.None:
                Advance();
                return Make(new ConstantNode(t.Start, t.End, null));
            case TokenKind.String:
                return ParseStrings();
            case TokenKind.LParen:
                return ParseParenthesized();
            case TokenKind.LBracket:
                return ParseList();
            case TokenKind.LBrace:
                return ParseDict();
            case TokenKind.ForbiddenKeyword:
                throw Forbidden(t);
            case TokenKind.Ellipsis:
                throw Error(t.Start, "'...' (Ellipsis) is not supported in queries");
            case TokenKind.Star:
            case TokenKind.DoubleStar:
                throw Error(t.Start, "unpacking with '*' or '**' is not allowed in queries");
            default:
                throw Unexpected("expected an expression");
        }
    }

    /// <summary>Adjacent string literals concatenate, as in Python: <c>'a' "b"</c> is <c>'ab'</c>.</summary>
    private SyntaxNode ParseStrings()
    {
        Token first = Advance();
        if (Current.Kind != TokenKind.String)
        {
            return Make(new ConstantNode(first.Start, first.End, first.Value));
        }

        var value = new StringBuilder((string)first.Value!);
        int end = first.End;
        while (Current.Kind == TokenKind.String)
        {
            Token next = Advance();
            value.Append((string)next.Value!);
            end = next.End;
        }

        return Make(new ConstantNode(first.Start, end, value.ToString()));
    }

    private SyntaxNode ParseParenthesized()
    {
        Token open = Advance();
        if (Current.Kind == TokenKind.RParen)
        {
            Token close = Advance();
            return Make(new TupleNode(open.Start, close.End, []));
        }

        SyntaxNode first = ParseExpression();
        if (Current.Kind != TokenKind.Comma)
        {
            Expect(TokenKind.RParen, "')'");
            return first;
        }

        List<SyntaxNode> items = ParseRestOfSequence(first, TokenKind.RParen);
        Token end = Expect(TokenKind.RParen, "')'");
        return Make(new TupleNode(open.Start, end.End, items));
    }

    private SyntaxNode ParseList()
    {
        Token open = Advance();
        List<SyntaxNode> items = [];
        if (Current.Kind != TokenKind.RBracket)
        {
            items = ParseRestOfSequence(ParseExpression(), TokenKind.RBracket);
        }

        Token end = Expect(TokenKind.RBracket, "']'");
        return Make(new ListNode(open.Start, end.End, items));
    }

    /// <summary>After the first item of a tuple or list: <c>, item</c> repeated, with an optional trailing comma.</summary>
    private List<SyntaxNode> ParseRestOfSequence(SyntaxNode first, TokenKind close)
    {
        var items = new List<SyntaxNode> { first };
        while (Accept(TokenKind.Comma) && Current.Kind != close)
        {
            items.Add(ParseExpression());
        }

        return items;
    }

    private SyntaxNode ParseDict()
    {
        Token open = Advance();
        var keys = new List<SyntaxNode>();
        var values = new List<SyntaxNode>();
        while (Current.Kind != TokenKind.RBrace)
        {
            if (Current.Kind == TokenKind.DoubleStar)
            {
                throw Error(Current.Start, "unpacking with '**' is not allowed in queries");
            }

            SyntaxNode key = ParseExpression();
            if (Current.Kind != TokenKind.Colon)
            {
                throw keys.Count == 0 && Current.Kind is TokenKind.Comma or TokenKind.RBrace
                    ? Error(open.Start, "set literals are not supported in queries; use a list")
                    : Unexpected("expected ':' in a dict");
            }

            Advance();
            keys.Add(key);
            values.Add(ParseExpression());
            if (!Accept(TokenKind.Comma))
            {
                break;
            }
        }

        Token end = Expect(TokenKind.RBrace, "'}'");
        return Make(new DictNode(open.Start, end.End, keys, values));
    }

    private SyntaxNode ParseCall(SyntaxNode callee)
    {
        Advance();
        var arguments = new List<SyntaxNode>();
        var keywords = new List<KeywordArgument>();
        while (Current.Kind != TokenKind.RParen)
        {
            if (Current.Kind is TokenKind.Star or TokenKind.DoubleStar)
            {
                throw Error(Current.Start, "argument unpacking (*args, **kwargs) is not allowed in queries");
            }

            if (Current.Kind == TokenKind.Name && PeekToken(1).Kind == TokenKind.Assign)
            {
                Token name = Advance();
                Advance();
                string keyword = (string)name.Value!;
                if (keywords.Any(k => k.Name == keyword))
                {
                    throw Error(name.Start, $"keyword argument repeated: {keyword}");
                }

                keywords.Add(new KeywordArgument(name.Start, keyword, ParseExpression()));
            }
            else
            {
                if (keywords.Count > 0)
                {
                    throw Error(Current.Start, "positional argument follows keyword argument");
                }

                arguments.Add(ParseExpression());
            }

            if (!Accept(TokenKind.Comma))
            {
                break;
            }
        }

        Token end = Expect(TokenKind.RParen, "')' to close the call");
        return Make(new CallNode(callee.Start, end.End, callee, arguments, keywords));
    }

    private SyntaxNode ParseSubscript(SyntaxNode target)
    {
        Token open = Advance();
        if (Current.Kind == TokenKind.RBracket)
        {
            throw Unexpected("expected an index");
        }

        var items = new List<SyntaxNode>();
        bool comma = false;
        while (true)
        {
            items.Add(ParseSliceItem());
            if (!Accept(TokenKind.Comma))
            {
                break;
            }

            comma = true;
            if (Current.Kind == TokenKind.RBracket)
            {
                break;
            }
        }

        Token end = Expect(TokenKind.RBracket, "']'");
        SyntaxNode index;
        if (items.Count == 1 && !comma)
        {
            index = items[0];
        }
        else
        {
            SyntaxNode? slice = items.FirstOrDefault(i => i is SliceNode);
            if (slice is not null)
            {
                throw Error(slice.Start, "multi-dimensional slices are not supported in queries");
            }

            index = Make(new TupleNode(items[0].Start, items[^1].End, items));
        }

        return Make(new SubscriptNode(target.Start, end.End, target, index));
    }

    /// <summary>An index expression, or a slice <c>lower:upper:step</c> with any part left out.</summary>
    private SyntaxNode ParseSliceItem()
    {
        int start = Current.Start;
        SyntaxNode? lower = Current.Kind == TokenKind.Colon ? null : ParseExpression();
        if (!Accept(TokenKind.Colon))
        {
            return lower!;
        }

        SyntaxNode? upper = Current.Kind is TokenKind.Colon or TokenKind.Comma or TokenKind.RBracket ? null : ParseExpression();
        SyntaxNode? step = null;
        if (Accept(TokenKind.Colon) && Current.Kind is not (TokenKind.Comma or TokenKind.RBracket))
        {
            step = ParseExpression();
        }

        int end = _tokens[_index - 1].End;
        return Make(new SliceNode(start, end, lower, upper, step));
    }
}
