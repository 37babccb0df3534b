using System.Text;

namespace AimLsm.Query.Runtime.Unicode;

/// <summary>
/// Unicode NFKC (UAX #15) over <see cref="UnicodeTables"/>, which Python's parser applies to every non-ASCII
/// identifier (<c>run.hparams.ｌｒ</c> is <c>run.hparams.lr</c>). .NET's <c>string.Normalize</c> is not used: under
/// InvariantGlobalization it does not follow Unicode. Thread-safe.
/// </summary>
internal static class PyNormalization
{
    private const int SBase = 0xAC00;
    private const int LBase = 0x1100;
    private const int VBase = 0x1161;
    private const int TBase = 0x11A7;
    private const int LCount = 19;
    private const int VCount = 21;
    private const int TCount = 28;
    private const int NCount = VCount * TCount;
    private const int SCount = LCount * NCount;

    /// <summary><c>unicodedata.normalize('NFKC', s)</c>; ASCII is returned as it is.</summary>
    public static string Nfkc(string s)
    {
        if (Ascii.IsValid(s))
        {
            return s;
        }

        UnicodeTables tables = UnicodeTables.Instance;
        var points = new List<int>(s.Length);
        for (int i = 0; i < s.Length;)
        {
            int cp = PyCasing.CodePointAt(s, i, out int width);
            Decompose(cp, points, tables);
            i += width;
        }

        Reorder(points, tables);
        Compose(points, tables);
        var result = new StringBuilder(points.Count);
        foreach (int cp in points)
        {
            if (cp > 0xFFFF)
            {
                result.Append(char.ConvertFromUtf32(cp));
            }
            else
            {
                result.Append((char)cp);
            }
        }

        return result.ToString();
    }

    private static void Decompose(int cp, List<int> points, UnicodeTables tables)
    {
        int s = cp - SBase;
        if (s is >= 0 and < SCount)
        {
            points.Add(LBase + (s / NCount));
            points.Add(VBase + (s % NCount / TCount));
            if (s % TCount != 0)
            {
                points.Add(TBase + (s % TCount));
            }

            return;
        }

        if (tables.Decomposition(cp) is { } decomposition)
        {
            points.AddRange(decomposition);
        }
        else
        {
            points.Add(cp);
        }
    }

    /// <summary>The canonical ordering: each run of non-starters sorted, stably, by combining class.</summary>
    private static void Reorder(List<int> points, UnicodeTables tables)
    {
        for (int i = 1; i < points.Count; i++)
        {
            int cp = points[i];
            byte ccc = tables.CombiningClass(cp);
            if (ccc == 0)
            {
                continue;
            }

            int j = i;
            while (j > 0 && tables.CombiningClass(points[j - 1]) > ccc)
            {
                points[j] = points[j - 1];
                j--;
            }

            points[j] = cp;
        }
    }

    /// <summary>Canonical composition: each character joins the last starter unless a character between them blocks it.</summary>
    private static void Compose(List<int> points, UnicodeTables tables)
    {
        if (points.Count == 0)
        {
            return;
        }

        int starterIndex = 0;
        int starter = points[0];
        int lastClass = tables.CombiningClass(starter);
        if (lastClass != 0)
        {
            lastClass = 256; // no starter yet: nothing composes with it
        }

        int write = 1;
        for (int read = 1; read < points.Count; read++)
        {
            int cp = points[read];
            int ccc = tables.CombiningClass(cp);
            int composite = ComposePair(starter, cp, tables);
            if (composite >= 0 && (lastClass < ccc || lastClass == 0))
            {
                points[starterIndex] = composite;
                starter = composite;
                continue;
            }

            if (ccc == 0)
            {
                starterIndex = write;
                starter = cp;
            }

            lastClass = ccc;
            points[write++] = cp;
        }

        points.RemoveRange(write, points.Count - write);
    }

    private static int ComposePair(int first, int second, UnicodeTables tables)
    {
        int l = first - LBase;
        if (l is >= 0 and < LCount)
        {
            int v = second - VBase;
            return v is >= 0 and < VCount ? SBase + (((l * VCount) + v) * TCount) : -1;
        }

        int s = first - SBase;
        if (s is >= 0 and < SCount && s % TCount == 0)
        {
            int t = second - TBase;
            return t is > 0 and < TCount ? first + t : -1;
        }

        return tables.Compose(first, second);
    }
}
