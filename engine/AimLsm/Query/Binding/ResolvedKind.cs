namespace AimLsm.Query.Binding;

/// <summary>What a name or access resolved to before it is used as a value.</summary>
internal enum ResolvedKind
{
    /// <summary>A value (<see cref="Resolved.Value"/>).</summary>
    Value,

    /// <summary><c>run</c>.</summary>
    Run,

    /// <summary>The sequence variable (<c>metric</c>, <c>images</c>, ...).</summary>
    Sequence,

    /// <summary><c>run.metrics</c>, usable only with a subscript.</summary>
    Metrics,

    /// <summary>A param path not read yet (<see cref="Resolved.Path"/>); it stays lazy while attributes and subscripts extend it.</summary>
    Param,

    /// <summary>The <c>datetime</c> name: callable, and holder of <c>now</c>, <c>utcnow</c>, <c>fromtimestamp</c>.</summary>
    DatetimeModule,

    /// <summary>The <c>re</c> module.</summary>
    ReModule,

    /// <summary>A builtin function name (<see cref="Resolved.Function"/>), usable only when called.</summary>
    Function,
}
