using AimLsm.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace AimLsm.Tests.Model;

/// <summary>
/// AimLsm.Testing's model cases as an FsCheck arbitrary: FsCheck draws a seed, <see cref="ModelGen.Case"/> turns it into
/// a case, and <see cref="ModelGen.Shrink"/> shrinks a failure. The package itself needs no FsCheck.
/// </summary>
internal static class ModelArbitrary
{
    /// <summary>Cases from seeds.</summary>
    public static readonly Gen<ModelCase> Case = Gen.Choose(0, int.MaxValue).Select(seed => ModelGen.Case(new Random(seed)));

    /// <summary>Cases that shrink the way <see cref="ModelChecker"/> shrinks them.</summary>
    public static Arbitrary<ModelCase> Arbitrary => Arb.From(Case, ModelGen.Shrink);
}
