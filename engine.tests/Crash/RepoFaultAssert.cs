using Xunit.Sdk;

namespace AimLsm.Tests.Crash;

/// <summary>Checks that a failure under the repo reports its true cause.</summary>
internal static class RepoFaultAssert
{
    /// <summary>
    /// Fails unless the fault-injecting file system's own words ("injected: ...") appear in <paramref name="error"/>
    /// or an exception inside it: the caller must learn the real reason (disk full, EIO, power gone), not a
    /// consequence such as "run locked" or "object disposed".
    /// </summary>
    public static void CausedByInjection(Exception error, string context)
    {
        var seen = new Stack<Exception>([error]);
        while (seen.TryPop(out Exception? e))
        {
            if (e.Message.Contains("injected", StringComparison.Ordinal))
            {
                return;
            }

            if (e is AggregateException aggregate)
            {
                foreach (Exception inner in aggregate.InnerExceptions)
                {
                    seen.Push(inner);
                }
            }
            else if (e.InnerException is { } inner)
            {
                seen.Push(inner);
            }
        }

        throw new XunitException($"{context}: the error does not name the injected cause:\n{error}");
    }
}
