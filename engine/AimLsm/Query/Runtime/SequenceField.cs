namespace AimLsm.Query.Runtime;

/// <summary>The fields of a sequence view (<c>metric.last</c>, <c>run.metrics['loss'].max</c>).</summary>
internal enum SequenceField
{
    /// <summary><c>name</c>: str.</summary>
    Name,

    /// <summary><c>context</c>: dict; <c>metric.context.subset</c> reads a key (None when missing).</summary>
    Context,

    /// <summary><c>dtype</c>: str.</summary>
    Dtype,

    /// <summary><c>count</c>: int, the number of records.</summary>
    Count,

    /// <summary><c>first_step</c>: int.</summary>
    FirstStep,

    /// <summary><c>last_step</c>: int.</summary>
    LastStep,

    /// <summary><c>first</c>: the value at the first step.</summary>
    First,

    /// <summary><c>last</c>: the value at the last step.</summary>
    Last,

    /// <summary><c>min</c>: the smallest value, or None for non-numeric sequences.</summary>
    Min,

    /// <summary><c>max</c>: the largest value, or None for non-numeric sequences.</summary>
    Max,
}
