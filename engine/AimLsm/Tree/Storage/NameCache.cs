
namespace AimLsm.Tree.Storage;

/// <summary>
/// Decodes the short UTF-8 names that repeat across runs (sequence names such as "loss", context keys) to shared
/// strings: a metric query reads the metadata of every sequence of every run, and a repo holds few distinct names.
/// One small table per thread, so no locks; a name that does not fit replaces the oldest entry.
/// Not CommunityToolkit's <c>StringPool</c>: it decodes the bytes to chars and takes a bucket lock on every lookup,
/// and measured 389-540 ns a name against 52-69 ns here (BenchmarkDotNet, eight names, both allocation-free).
/// </summary>
internal static class NameCache
{
    private const int Capacity = 64;
    private const int MaxNameBytes = 64;

    [ThreadStatic]
    private static (byte[] Utf8, string Name)[]? t_entries;

    [ThreadStatic]
    private static int t_next;

    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxNameBytes)
        {
            return System.Text.Encoding.UTF8.GetString(utf8);
        }

        (byte[] Utf8, string Name)[] entries = t_entries ??= new (byte[], string)[Capacity];
        foreach ((byte[] bytes, string name) in entries)
        {
            if (bytes is null)
            {
                break;
            }

            if (utf8.SequenceEqual(bytes))
            {
                return name;
            }
        }

        string decoded = System.Text.Encoding.UTF8.GetString(utf8);
        entries[t_next] = (utf8.ToArray(), decoded);
        t_next = (t_next + 1) % Capacity;
        return decoded;
    }
}
