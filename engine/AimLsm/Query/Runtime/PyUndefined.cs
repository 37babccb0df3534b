namespace AimLsm.Query.Runtime;

/// <summary>
/// Aim's <c>Undefined</c> (aim/storage/proxy.py): the value of a key that is missing below a run's top level
/// (<c>run.hparams.missing</c>, <c>run.hparams.nested.missing</c>, <c>run.metrics['missing'].last</c>). A missing
/// top-level attribute (<c>run.missing</c>) is Aim's <c>SafeNone</c>, which AimLsm reads as None.
/// <para>
/// Rules (each follows Aim's proxy code; <see cref="PyOps"/> applies them): falsy; <c>==</c> with anything is False,
/// even with None or another Undefined, so <c>!=</c> is True; every ordering comparison is False (the proxy turns
/// Python's TypeError into False); <c>x in Undefined</c>, arithmetic, <c>len</c> and iteration raise TypeError; an
/// attribute or subscript of Undefined is Undefined again (Aim looks it up in the tree, where it is missing too).
/// </para>
/// The one instance is immutable and thread-safe.
/// </summary>
internal sealed class PyUndefined
{
    /// <summary>The one instance. Identity means nothing: Undefined is not even equal to itself.</summary>
    public static readonly PyUndefined Value = new();

    private PyUndefined()
    {
    }

    /// <summary>The repr AimLsm gives it (Python's names the object's address, which means nothing here).</summary>
    public override string ToString() => "<Undefined>";
}
