namespace AimLsm.Query.Runtime;

/// <summary>Where a regex must match: Python's <c>re.match</c>, <c>re.search</c>, <c>re.fullmatch</c>.</summary>
internal enum RegexMode
{
    /// <summary>At the start of the string.</summary>
    Match,

    /// <summary>Anywhere.</summary>
    Search,

    /// <summary>The whole string.</summary>
    FullMatch,
}
