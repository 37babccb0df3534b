using System.Diagnostics.CodeAnalysis;

namespace AimLsm.Kv.Common;

/// <summary>
/// Throwers kept out of hot methods so that those stay small enough to inline (the System.IO.Pipelines habit).
/// Only BCL exceptions: Common references nothing of ours (the engine's own exceptions carry their throwers,
/// e.g. <c>CorruptionException.Throw</c>).
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgument(string message, string? paramName = null) =>
        throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string paramName, string message) =>
        throw new ArgumentOutOfRangeException(paramName, message);

    [DoesNotReturn]
    public static void ThrowObjectDisposed(string name) => throw new ObjectDisposedException(name);

    [DoesNotReturn]
    public static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);
}
