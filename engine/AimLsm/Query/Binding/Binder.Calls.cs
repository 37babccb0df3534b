using AimLsm.Query.Runtime;
using AimLsm.Query.Syntax;

namespace AimLsm.Query.Binding;

/// <summary>
/// Calls: only allow-listed builtins (<c>len(x)</c>, <c>datetime(...)</c>, <c>datetime.now()</c>, <c>re.match(...)</c>)
/// and allow-listed methods of values (<c>run.name.startswith('x')</c>). Anything else that is called is refused,
/// which is what keeps <c>run.GetType()</c> or <c>().__class__</c> from compiling.
/// </summary>
internal sealed partial class Binder
{
    private BoundNode BindCall(CallNode call)
    {
        switch (call.Callee)
        {
            case NameNode name:
                Resolved callee = ResolveName(name);
                return callee.Kind switch
                {
                    ResolvedKind.Function => BindArguments(call, callee.Function!, receiver: null),
                    ResolvedKind.DatetimeModule => BindArguments(call, BuiltinTable.Functions["datetime"], receiver: null),
                    _ => throw NotCallable(call, name.Name),
                };
            case AttributeNode attribute:
                return BindMemberCall(call, attribute);
            default:
                throw NotCallable(call, "this expression");
        }
    }

    private BoundNode BindMemberCall(CallNode call, AttributeNode attribute)
    {
        string name = attribute.Name;
        if (name.StartsWith('_'))
        {
            throw NameError(attribute.NameStart, name, $"attribute names starting with '_' are not allowed in queries ('{name}')", []);
        }

        Resolved target = Resolve(attribute.Target);
        IReadOnlyDictionary<string, BuiltinSignature>? module = target.Kind switch
        {
            ResolvedKind.DatetimeModule => BuiltinTable.DatetimeMembers,
            ResolvedKind.ReModule => BuiltinTable.ReMembers,
            _ => null,
        };
        if (module is not null)
        {
            string prefix = target.Kind == ResolvedKind.ReModule ? "re" : "datetime";
            return module.TryGetValue(name, out BuiltinSignature? member)
                ? BindArguments(call, member, receiver: null)
                : throw NameError(attribute.NameStart, name,
                    $"'{prefix}.{name}' is not allowed; allowed: {string.Join(", ", module.Keys.Select(k => prefix + "." + k))}", [.. module.Keys]);
        }

        if (!BuiltinTable.Methods.TryGetValue(name, out BuiltinSignature? method))
        {
            throw NameError(attribute.NameStart, name,
                $"method '{name}' is not allowed in queries; allowed methods: {string.Join(", ", BuiltinTable.Methods.Keys)}", [.. BuiltinTable.Methods.Keys]);
        }

        BoundNode receiver = target.Kind switch
        {
            ResolvedKind.Value => target.Value!,
            ResolvedKind.Param => Param(target.Path!),
            _ => throw NameError(attribute.NameStart, name, $"'{name}' can only be called on a value such as run.name or run.hparams.optimizer", []),
        };
        return BindArguments(call, method, receiver);
    }

    /// <summary>Matches positional and keyword arguments to the builtin's parameters, fills defaults, and folds a pure call of constants.</summary>
    private BoundNode BindArguments(CallNode call, BuiltinSignature function, BoundNode? receiver)
    {
        var arguments = new List<BoundNode>();
        if (receiver is not null)
        {
            arguments.Add(receiver);
        }

        if (function.IsVariadic)
        {
            if (call.Keywords.Count > 0)
            {
                throw NameError(call.Keywords[0].Start, call.Keywords[0].Name, $"{function.Name}() takes no keyword arguments in queries", []);
            }

            if (call.Arguments.Count == 0)
            {
                throw NameError(call, function.Name, $"{function.Name}() expected at least 1 argument, got 0", []);
            }

            arguments.AddRange(call.Arguments.Select(BindValue));
            return Fold(call, new BoundCall(function, arguments));
        }

        int count = function.Parameters.Count;
        if (call.Arguments.Count > count)
        {
            throw NameError(call, function.Name, $"{function.Name}() takes at most {count} argument{(count == 1 ? string.Empty : "s")} ({call.Arguments.Count} given)", [.. function.Parameters]);
        }

        var slots = new BoundNode?[count];
        for (int i = 0; i < call.Arguments.Count; i++)
        {
            slots[i] = BindValue(call.Arguments[i]);
        }

        foreach (KeywordArgument keyword in call.Keywords)
        {
            int index = function.AcceptsKeywords ? IndexOf(function.Parameters, keyword.Name) : -1;
            if (keyword.Name.StartsWith('_') || index < 0)
            {
                throw NameError(keyword.Start, keyword.Name, function.AcceptsKeywords
                    ? $"{function.Name}() got an unexpected keyword argument '{keyword.Name}'; its parameters are {string.Join(", ", function.Parameters)}"
                    : $"{function.Name}() takes no keyword arguments", [.. function.Parameters]);
            }

            if (slots[index] is not null)
            {
                throw NameError(keyword.Start, keyword.Name, $"{function.Name}() got multiple values for argument '{keyword.Name}'", []);
            }

            slots[index] = BindValue(keyword.Value);
        }

        for (int i = 0; i < count; i++)
        {
            if (slots[i] is null)
            {
                slots[i] = i < function.Required
                    ? throw NameError(call, function.Name, $"{function.Name}() missing required argument '{function.Parameters[i]}'", [.. function.Parameters])
                    : new BoundConstant(function.Defaults[i - function.Required]);
            }
        }

        arguments.AddRange(slots!);
        CheckConstantPattern(call, function, arguments);
        return Fold(call, new BoundCall(function, arguments));
    }

    /// <summary>A constant regex pattern is compiled now, so a bad or too long pattern is a compile error with a position.</summary>
    private void CheckConstantPattern(CallNode call, BuiltinSignature function, List<BoundNode> arguments)
    {
        bool isRegex = BuiltinTable.ReMembers.TryGetValue(function.Name, out BuiltinSignature? re) && ReferenceEquals(re, function);
        if (!isRegex || arguments[0] is not BoundConstant { Value: string pattern })
        {
            return;
        }

        try
        {
            RegexCache.Get(pattern, RegexMode.Search, _fold.RegexTimeout);
        }
        catch (QueryEvaluationException e)
        {
            throw e.At(_text, call.Arguments[0].Start);
        }
        catch (QueryLimitException e)
        {
            throw new QueryLimitException(e.Detail, _text, call.Arguments[0].Start);
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    private QueryNameException NotCallable(CallNode call, string what) =>
        NameError(call.Callee, what, $"{(what == "this expression" ? what : $"'{what}'")} is not callable; only these functions can be called: " +
            string.Join(", ", BuiltinTable.Functions.Keys) + ", datetime.now, datetime.fromtimestamp, re.match, re.search, re.fullmatch, and the methods " +
            string.Join(", ", BuiltinTable.Methods.Keys), [.. BuiltinTable.Functions.Keys]);
}
