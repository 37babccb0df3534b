namespace AimLsm.Query.Runtime;

/// <summary>
/// One allow-listed function or method: its Python name, its parameters, and the static method that implements it.
/// The binder matches a call's arguments to the parameters (filling defaults, so the implementation always gets
/// <see cref="Arity"/> arguments); the compiler calls <see cref="Implementation"/>. Immutable.
/// </summary>
internal sealed class BuiltinSignature
{
    /// <summary>Describes a builtin.</summary>
    /// <param name="name">The name a query uses: <c>len</c>, <c>datetime.now</c>, <c>startswith</c>.</param>
    /// <param name="parameters">Parameter names after <c>self</c>, in order.</param>
    /// <param name="required">How many leading parameters must be given.</param>
    /// <param name="defaults">Defaults of the optional parameters (one per parameter after <paramref name="required"/>).</param>
    /// <param name="implementation">The static method: a <c>Func&lt;EvalContext, object?, ..., object?&gt;</c> taking <see cref="Arity"/> values, or <c>Func&lt;EvalContext, object?[], object?&gt;</c>.</param>
    /// <param name="isMethod">True for a method: the receiver is the first argument.</param>
    /// <param name="isPure">True when a call with constant arguments may be folded while compiling.</param>
    /// <param name="isVariadic">True for <c>min</c>/<c>max</c>: any number (at least one) of positional arguments, passed as an array.</param>
    /// <param name="keywords">True when the parameters may be given by keyword.</param>
    public BuiltinSignature(string name, string[] parameters, int required, object?[] defaults, Delegate implementation,
        bool isMethod = false, bool isPure = true, bool isVariadic = false, bool keywords = false)
    {
        if (defaults.Length != parameters.Length - required)
        {
            throw new ArgumentException("One default per optional parameter.", nameof(defaults));
        }

        Name = name;
        Parameters = parameters;
        Required = required;
        Defaults = defaults;
        Implementation = implementation;
        IsMethod = isMethod;
        IsPure = isPure;
        IsVariadic = isVariadic;
        AcceptsKeywords = keywords;
    }

    /// <summary>The name a query uses.</summary>
    public string Name { get; }

    /// <summary>Parameter names after <c>self</c>.</summary>
    public IReadOnlyList<string> Parameters { get; }

    /// <summary>How many leading parameters must be given.</summary>
    public int Required { get; }

    /// <summary>Defaults of the optional parameters.</summary>
    public IReadOnlyList<object?> Defaults { get; }

    /// <summary>The static method that implements the builtin.</summary>
    public Delegate Implementation { get; }

    /// <summary>True for a method (the receiver comes first).</summary>
    public bool IsMethod { get; }

    /// <summary>True when constant calls may be folded while compiling (false for <c>datetime.now()</c>).</summary>
    public bool IsPure { get; }

    /// <summary>True for <c>min</c> and <c>max</c>.</summary>
    public bool IsVariadic { get; }

    /// <summary>True when parameters may be given by keyword.</summary>
    public bool AcceptsKeywords { get; }

    /// <summary>The number of values the implementation takes (the receiver included); for variadic builtins, the length of the array varies.</summary>
    public int Arity => (IsMethod ? 1 : 0) + Parameters.Count;

    /// <summary>True when the implementation takes its arguments as one array.</summary>
    /// <remarks>An exact type test: delegate contravariance makes every one-argument implementation an
    /// <c>is Func&lt;EvalContext, object?[], object?&gt;</c> too.</remarks>
    public bool TakesArray => Implementation.GetType() == typeof(Func<EvalContext, object?[], object?>);

    /// <summary>Calls the implementation (for constant folding and the reference interpreter; compiled code calls the method directly).</summary>
    public object? Invoke(EvalContext ctx, object?[] args) => TakesArray ? ((Func<EvalContext, object?[], object?>)Implementation)(ctx, args) : Implementation switch
    {
        Func<EvalContext, object?> f0 => f0(ctx),
        Func<EvalContext, object?, object?> f1 => f1(ctx, args[0]),
        Func<EvalContext, object?, object?, object?> f2 => f2(ctx, args[0], args[1]),
        Func<EvalContext, object?, object?, object?, object?> f3 => f3(ctx, args[0], args[1], args[2]),
        _ => throw new InvalidOperationException("Unsupported builtin delegate type."),
    };
}
