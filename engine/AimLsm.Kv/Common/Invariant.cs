using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace AimLsm.Kv.Common;

/// <summary>
/// Checks of invariants the engine relies on, compiled in only when the build defines <c>INVARIANTS</c> (the
/// <c>Invariants</c> configuration, Directory.Build.props; CI runs the model, crash, concurrency and sequence-model
/// tests under it: .ci/run), as Pebble's invariants build does. In every other build a call, its arguments included,
/// is removed by the compiler, so a check may be as expensive as it needs to be.
/// A violation throws <see cref="InvariantViolationException"/>, which no engine catch clause handles (they filter on
/// I/O and database exceptions), so it surfaces in the test that caused it.
/// <para>
/// Public on purpose, for the layers above the engine (the AimLsm assembly's sequence chunks and chunk index use it):
/// <see cref="ConditionalAttribute"/> is applied where a call is compiled, so a call in another assembly is kept or
/// removed by that assembly's own build. <see cref="Enabled"/> says how this assembly was built.
/// </para>
/// </summary>
public static class Invariant
{
    /// <summary>True in a build that checks invariants.</summary>
    public static bool Enabled =>
#if INVARIANTS
        true;
#else
        false;
#endif

    /// <summary>Throws when <paramref name="condition"/> is false; <paramref name="what"/> states the invariant.</summary>
    [Conditional("INVARIANTS")]
    public static void Holds([DoesNotReturnIf(false)] bool condition, string what)
    {
        if (!condition)
        {
            Fail(what);
        }
    }

    [DoesNotReturn]
    private static void Fail(string what) => throw new InvariantViolationException(what);
}

/// <summary>An invariant the code relies on does not hold: a bug, never bad input or damaged files.</summary>
/// <param name="what">The invariant, stated as what should hold.</param>
public sealed class InvariantViolationException(string what) : Exception("Invariant violated: " + what);
