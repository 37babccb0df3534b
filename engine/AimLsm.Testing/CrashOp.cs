namespace AimLsm.Testing;

/// <summary>One update of a logged batch: a put, a delete, or a range deletion [Key, End).</summary>
/// <param name="Kind"><see cref="Put"/>, <see cref="Delete"/> or <see cref="DeleteRange"/>.</param>
/// <param name="Key">The key (the range's first key).</param>
/// <param name="End">The range's end (exclusive); null for a put or delete.</param>
public readonly record struct CrashOp(char Kind, string Key, string? End)
{
    /// <summary>'P' put, 'D' delete, 'R' delete range.</summary>
    public const char Put = 'P', Delete = 'D', DeleteRange = 'R';
}
