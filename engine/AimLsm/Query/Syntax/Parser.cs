namespace AimLsm.Query.Syntax;

/// <summary>
/// A recursive-descent parser for Python's expression grammar, one method per precedence level (lowest first):
/// <list type="number">
/// <item><see cref="ParseExpression"/>: <c>a if c else b</c></item>
/// <item><see cref="ParseOr"/>: <c>or</c></item>
/// <item><see cref="ParseAnd"/>: <c>and</c></item>
/// <item><see cref="ParseNot"/>: <c>not</c></item>
/// <item><see cref="ParseComparison"/>: <c>&lt; &gt; == &gt;= &lt;= != in, not in, is, is not</c>, chained</item>
/// <item><see cref="ParseBitwise"/>: refuses <c>| ^ &amp; &lt;&lt; &gt;&gt;</c></item>
/// <item><see cref="ParseArith"/>: <c>+ -</c></item>
/// <item><see cref="ParseTerm"/>: <c>* / // %</c></item>
/// <item><see cref="ParseFactor"/>: unary <c>- +</c></item>
/// <item><see cref="ParsePower"/>: <c>**</c> (right-associative; binds tighter than a unary minus on its left)</item>
/// <item><see cref="ParsePrimary"/>: <c>.name</c>, calls, subscripts</item>
/// <item><see cref="ParseAtom"/>: names, literals, <c>( )</c>, <c>[ ]</c>, <c>{ }</c></item>
/// </list>
/// Depth and node count are checked as nodes are made, and bracket/unary nesting as the parser recurses, so a hostile
/// query cannot exhaust the stack here or later. Not thread-safe; one instance parses one query.
/// </summary>
internal sealed partial class Parser
{
    private readonly string _text;
    private readonly List<Token> _tokens;
    private readonly int _maxDepth;
    private readonly int _maxNodes;
    private int _index;
    private int _nesting;
    private int _nodes;

    private Parser(string text, List<Token> tokens, int maxDepth, int maxNodes)
    {
        _text = text;
        _tokens = tokens;
        _maxDepth = maxDepth;
        _maxNodes = maxNodes;
    }

    /// <summary>Parses <paramref name="text"/> as one expression.</summary>
    /// <exception cref="QuerySyntaxException">The text is not an expression AimQL accepts.</exception>
    /// <exception cref="QueryLimitException">The expression is nested deeper than <paramref name="maxDepth"/>, or has more nodes than <paramref name="maxNodes"/>.</exception>
    public static SyntaxNode Parse(string text, int maxDepth, int maxNodes, int maxStringLength)
    {
        var parser = new Parser(text, Lexer.Tokenize(text, maxStringLength), maxDepth, maxNodes);
        return parser.ParseQuery();
    }

    private Token Current => _tokens[_index];

    private Token PeekToken(int ahead) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private Token Advance() => _tokens[_index++];

    private bool Accept(TokenKind kind)
    {
        if (Current.Kind != kind)
        {
            return false;
        }

        _index++;
        return true;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
        {
            throw Unexpected("expected " + what);
        }

        return Advance();
    }

    private SyntaxNode ParseQuery()
    {
        SyntaxNode expression = ParseExpression();
        if (Current.Kind != TokenKind.EndOfInput)
        {
            throw Unexpected(Current.Kind == TokenKind.Comma ? "a query is one expression" : "expected the end of the query");
        }

        return expression;
    }

    /// <summary>Level 1: <c>body if test else orElse</c>, and the entry for every nested expression.</summary>
    private SyntaxNode ParseExpression()
    {
        Enter();
        if (Current.Kind == TokenKind.ForbiddenKeyword)
        {
            throw Forbidden(Current);
        }

        SyntaxNode body = ParseOr();
        if (Accept(TokenKind.If))
        {
            SyntaxNode test = ParseOr();
            Expect(TokenKind.Else, "'else' after the condition of a conditional expression");
            SyntaxNode orElse = ParseExpression();
            body = Make(new ConditionalNode(body.Start, orElse.End, test, body, orElse));
        }

        if (Current.Kind == TokenKind.Walrus)
        {
            throw Error(Current.Start, "assignment expressions (:=) are not allowed in queries");
        }

        if (Current.Kind is TokenKind.Assign or TokenKind.AugmentedAssign)
        {
            throw Error(Current.Start, "assignments are not allowed in queries; use '==' to compare");
        }

        if (Current.Kind == TokenKind.ForbiddenKeyword && (string?)Current.Value == "for")
        {
            throw Forbidden(Current);
        }

        _nesting--;
        return body;
    }

    /// <summary>Level 2: <c>a or b or ...</c>.</summary>
    private SyntaxNode ParseOr() => ParseBoolOp(TokenKind.Or, ParseAnd);

    /// <summary>Level 3: <c>a and b and ...</c>.</summary>
    private SyntaxNode ParseAnd() => ParseBoolOp(TokenKind.And, ParseNot);

    /// <summary>One flat <see cref="BoolOpNode"/> for a run of the same operator, as Python's <c>ast.BoolOp</c>.</summary>
    private SyntaxNode ParseBoolOp(TokenKind op, Func<SyntaxNode> parseOperand)
    {
        SyntaxNode first = parseOperand();
        if (Current.Kind != op)
        {
            return first;
        }

        var operands = new List<SyntaxNode> { first };
        while (Accept(op))
        {
            operands.Add(parseOperand());
        }

        return Make(new BoolOpNode(first.Start, operands[^1].End, op == TokenKind.And, operands));
    }

    /// <summary>Level 4: <c>not x</c>.</summary>
    private SyntaxNode ParseNot()
    {
        if (Current.Kind != TokenKind.Not)
        {
            return ParseComparison();
        }

        Token not = Advance();
        Enter();
        SyntaxNode operand = ParseNot();
        _nesting--;
        return Make(new UnaryNode(not.Start, operand.End, UnaryOperator.Not, operand));
    }

    /// <summary>Level 5: a comparison chain.</summary>
    private SyntaxNode ParseComparison()
    {
        SyntaxNode first = ParseBitwise();
        List<SyntaxNode>? operands = null;
        List<CompareOperator>? operators = null;
        while (TryCompareOperator(out CompareOperator op))
        {
            operands ??= [first];
            operators ??= [];
            operators.Add(op);
            operands.Add(ParseBitwise());
        }

        return operands is null ? first : Make(new CompareNode(first.Start, operands[^1].End, operands, operators!));
    }

    private bool TryCompareOperator(out CompareOperator op)
    {
        (op, int length) = Current.Kind switch
        {
            TokenKind.Less => (CompareOperator.Less, 1),
            TokenKind.LessEqual => (CompareOperator.LessEqual, 1),
            TokenKind.Greater => (CompareOperator.Greater, 1),
            TokenKind.GreaterEqual => (CompareOperator.GreaterEqual, 1),
            TokenKind.EqualEqual => (CompareOperator.Equal, 1),
            TokenKind.NotEqual => (CompareOperator.NotEqual, 1),
            TokenKind.In => (CompareOperator.In, 1),
            TokenKind.Not when PeekToken(1).Kind == TokenKind.In => (CompareOperator.NotIn, 2),
            TokenKind.Is when PeekToken(1).Kind == TokenKind.Not => (CompareOperator.IsNot, 2),
            TokenKind.Is => (CompareOperator.Is, 1),
            _ => (default(CompareOperator), 0),
        };
        _index += length;
        return length > 0;
    }

    /// <summary>Level 6: Python's bitwise operators sit here; AimQL refuses them with a clear message.</summary>
    private SyntaxNode ParseBitwise()
    {
        SyntaxNode operand = ParseArith();
        string? symbol = Current.Kind switch
        {
            TokenKind.Pipe => "|",
            TokenKind.Caret => "^",
            TokenKind.Ampersand => "&",
            TokenKind.ShiftLeft => "<<",
            TokenKind.ShiftRight => ">>",
            _ => null,
        };
        if (symbol is not null)
        {
            throw Error(Current.Start, $"the bitwise operator '{symbol}' is not supported in queries; use 'and', 'or', 'not' for logic");
        }

        return operand;
    }

    /// <summary>Level 7: <c>+</c> and <c>-</c>, left-associative.</summary>
    private SyntaxNode ParseArith()
    {
        SyntaxNode left = ParseTerm();
        while (Current.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            BinaryOperator op = Advance().Kind == TokenKind.Plus ? BinaryOperator.Add : BinaryOperator.Subtract;
            SyntaxNode right = ParseTerm();
            left = Make(new BinaryNode(left.Start, right.End, op, left, right));
        }

        return left;
    }

    /// <summary>Level 8: <c>* / // %</c>, left-associative.</summary>
    private SyntaxNode ParseTerm()
    {
        SyntaxNode left = ParseFactor();
        while (true)
        {
            BinaryOperator op;
            switch (Current.Kind)
            {
                case TokenKind.Star:
                    op = BinaryOperator.Multiply;
                    break;
                case TokenKind.Slash:
                    op = BinaryOperator.Divide;
                    break;
                case TokenKind.DoubleSlash:
                    op = BinaryOperator.FloorDivide;
                    break;
                case TokenKind.Percent:
                    op = BinaryOperator.Modulo;
                    break;
                case TokenKind.At:
                    throw Error(Current.Start, "the matrix operator '@' is not supported in queries");
                default:
                    return left;
            }

            Advance();
            SyntaxNode right = ParseFactor();
            left = Make(new BinaryNode(left.Start, right.End, op, left, right));
        }
    }

    /// <summary>Level 9: unary <c>-</c> and <c>+</c>.</summary>
    private SyntaxNode ParseFactor()
    {
        if (Current.Kind == TokenKind.Tilde)
        {
            throw Error(Current.Start, "the bitwise operator '~' is not supported in queries");
        }

        if (Current.Kind is not (TokenKind.Minus or TokenKind.Plus))
        {
            return ParsePower();
        }

        Token sign = Advance();
        Enter();
        SyntaxNode operand = ParseFactor();
        _nesting--;
        UnaryOperator op = sign.Kind == TokenKind.Minus ? UnaryOperator.Negate : UnaryOperator.Plus;
        return Make(new UnaryNode(sign.Start, operand.End, op, operand));
    }

    /// <summary>Level 10: <c>base ** exponent</c>; the exponent is a factor, so <c>2 ** -1</c> and <c>2 ** 3 ** 2</c> parse as in Python.</summary>
    private SyntaxNode ParsePower()
    {
        SyntaxNode power = ParsePrimary();
        if (!Accept(TokenKind.DoubleStar))
        {
            return power;
        }

        Enter();
        SyntaxNode exponent = ParseFactor();
        _nesting--;
        return Make(new BinaryNode(power.Start, exponent.End, BinaryOperator.Power, power, exponent));
    }

    /// <summary>Level 11: an atom followed by <c>.name</c>, <c>(args)</c> and <c>[index]</c> trailers.</summary>
    private SyntaxNode ParsePrimary()
    {
        SyntaxNode node = ParseAtom();
        while (true)
        {
            switch (Current.Kind)
            {
                case TokenKind.Dot:
                    Advance();
                    if (Current.Kind is not TokenKind.Name)
                    {
                        throw Current.Kind is TokenKind.ForbiddenKeyword or TokenKind.And or TokenKind.Or or TokenKind.Not or TokenKind.In or
                            TokenKind.Is or TokenKind.If or TokenKind.Else or TokenKind.None or TokenKind.True or TokenKind.False
                            ? Error(Current.Start, $"'{Current.Value}' is a keyword and cannot be an attribute name; use a subscript such as run['{Current.Value}']")
                            : Unexpected("expected an attribute name after '.'");
                    }

                    Token name = Advance();
                    node = Make(new AttributeNode(node.Start, name.End, node, (string)name.Value!, name.Start));
                    break;
                case TokenKind.LParen:
                    node = ParseCall(node);
                    break;
                case TokenKind.LBracket:
                    node = ParseSubscript(node);
                    break;
                default:
                    return node;
            }
        }
    }

    private void Enter()
    {
        if (++_nesting > _maxDepth)
        {
            throw new QueryLimitException($"the query is nested deeper than {_maxDepth} levels (QueryOptions.MaxDepth)", _text, Current.Start);
        }
    }

    private T Make<T>(T node)
        where T : SyntaxNode
    {
        if (++_nodes > _maxNodes)
        {
            throw new QueryLimitException($"the query has more than {_maxNodes} syntax nodes (QueryOptions.MaxNodes)", _text, node.Start);
        }

        if (node.Depth > _maxDepth)
        {
            throw new QueryLimitException($"the query's syntax tree is deeper than {_maxDepth} levels (QueryOptions.MaxDepth)", _text, node.Start);
        }

        return node;
    }

    private QuerySyntaxException Error(int offset, string message) => new("invalid syntax: " + message, _text, offset);

    private QuerySyntaxException Unexpected(string expected)
    {
        Token t = Current;
        string found = t.Kind == TokenKind.EndOfInput ? "the end of the query" : $"'{_text[t.Start..t.End]}'";
        return Error(t.Start, $"{expected}, found {found}");
    }

    private QuerySyntaxException Forbidden(Token keyword)
    {
        string word = (string)keyword.Value!;
        string message = word switch
        {
            "lambda" => "lambda expressions are not allowed in queries",
            "for" => "comprehensions and generator expressions are not allowed in queries",
            "import" or "from" => "import is not allowed in queries",
            "await" or "async" or "yield" => $"'{word}' is not allowed in queries",
            _ => $"'{word}' is a statement keyword; a query is a single expression",
        };
        return Error(keyword.Start, message);
    }
}
