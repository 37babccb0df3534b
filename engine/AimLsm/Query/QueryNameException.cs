namespace AimLsm.Query;

/// <summary>
/// The query names something AimQL does not let it reach: an unknown or forbidden name (<c>eval</c>,
/// <c>__import__</c>), a name or attribute starting with <c>_</c>, a method outside the allow-list
/// (<c>run.GetType()</c>), a field a view does not have, or a call with arguments the function does not take. This is
/// the security boundary: nothing outside the allow-list compiles. <see cref="Allowed"/> lists what is allowed in the
/// place of the error.
/// </summary>
public sealed class QueryNameException : AimQueryException
{
    /// <summary>Creates the error with a message that already says where.</summary>
    public QueryNameException(string message)
        : base(message)
    {
        Name = string.Empty;
        Allowed = [];
    }

    /// <summary>Creates the error for <paramref name="name"/> at <paramref name="offset"/> in <paramref name="query"/>.</summary>
    internal QueryNameException(string detail, string name, IReadOnlyList<string> allowed, string query, int offset)
        : base(detail, query, offset)
    {
        Name = name;
        Allowed = allowed;
    }

    /// <summary>The name that was refused.</summary>
    public string Name { get; }

    /// <summary>What may stand in that place instead (names, attributes or methods); empty when nothing applies.</summary>
    public IReadOnlyList<string> Allowed { get; }
}
