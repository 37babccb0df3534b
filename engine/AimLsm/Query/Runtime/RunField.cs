namespace AimLsm.Query.Runtime;

/// <summary>The structured fields of <c>run</c>; they shadow params of the same name (use <c>run['name']</c> for the param).</summary>
internal enum RunField
{
    /// <summary><c>run.hash</c>: str.</summary>
    Hash,

    /// <summary><c>run.name</c>: str or None.</summary>
    Name,

    /// <summary><c>run.experiment</c>: the experiment's name, str or None.</summary>
    Experiment,

    /// <summary><c>run.description</c>: str or None.</summary>
    Description,

    /// <summary><c>run.tags</c>: list of str.</summary>
    Tags,

    /// <summary><c>run.archived</c>: bool.</summary>
    Archived,

    /// <summary><c>run.active</c>: bool.</summary>
    Active,

    /// <summary><c>run.created_at</c>: datetime (UTC).</summary>
    CreatedAt,

    /// <summary><c>run.creation_time</c>: float, Unix seconds (as Aim).</summary>
    CreationTime,

    /// <summary><c>run.end_time</c>: float Unix seconds, or None while active (as Aim stores it).</summary>
    EndTime,

    /// <summary><c>run.finalized_at</c>: datetime (UTC), or None while active.</summary>
    FinalizedAt,

    /// <summary><c>run.duration</c>: float seconds from creation to end, or to now while active.</summary>
    Duration,
}
