namespace AimLsm.Query;

/// <summary>
/// The kinds of sequence a sequence query can select, each with its query variable (Aim's explorers): the variable is
/// the lower-case name, and <see cref="SequenceKinds.FromDtype"/> says which sequences belong to each kind.
/// </summary>
public enum SequenceKind
{
    /// <summary><c>metric</c>: dtype <c>int</c>, <c>float</c> or <c>number</c>.</summary>
    Metric,

    /// <summary><c>images</c>: dtype <c>aim.image</c> or <c>list(aim.image)</c>.</summary>
    Images,

    /// <summary><c>audios</c>: dtype <c>aim.audio</c> or <c>list(aim.audio)</c>.</summary>
    Audios,

    /// <summary><c>texts</c>: dtype <c>aim.text</c> or <c>list(aim.text)</c>.</summary>
    Texts,

    /// <summary><c>distributions</c>: dtype <c>aim.distribution</c> or <c>list(aim.distribution)</c>.</summary>
    Distributions,

    /// <summary><c>figures</c>: dtype <c>aim.figure</c> or <c>list(aim.figure)</c>.</summary>
    Figures,
}
