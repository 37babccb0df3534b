using System.Diagnostics.CodeAnalysis;

namespace AimLsm.Tree;

/// <summary>
/// Read-only contexts by id, shared by every run and thread of the process. An id is a hash of the context's
/// content (<see cref="Context.Id"/>), so an entry is right for any run of any repo and any snapshot: no read scope
/// is involved. Bounded: cleared when it reaches 4,096 entries. Thread-safe.
/// </summary>
internal static class ContextCache
{
    private const int Capacity = 4096;
    private static readonly Lock s_lock = new();
    private static readonly Dictionary<long, Context> s_contexts = [];

    public static bool TryGet(long id, [NotNullWhen(true)] out Context? context)
    {
        lock (s_lock)
        {
            return s_contexts.TryGetValue(id, out context);
        }
    }

    /// <summary>Adds a read-only <paramref name="context"/> whose content hashes to its <see cref="Context.Id"/>.</summary>
    public static void Add(Context context)
    {
        lock (s_lock)
        {
            if (s_contexts.Count >= Capacity)
            {
                s_contexts.Clear();
            }

            s_contexts[context.Id] = context;
        }
    }
}
