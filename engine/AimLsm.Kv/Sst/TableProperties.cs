using System.Text;
using AimLsm.Kv.Common;

namespace AimLsm.Kv.Sst;

/// <summary>
/// What a table says about itself, stored in its properties block as name → varint64 pairs, names in bytewise
/// order (docs/format.md, "Properties block"). Unknown names are kept out of the way of old readers: a reader
/// ignores names it does not know, so adding a property needs no format version.
/// </summary>
internal sealed class TableProperties
{
    public ulong Entries { get; set; }
    public ulong Deletions { get; set; }
    public ulong RangeDeletions { get; set; }
    public ulong RawKeySize { get; set; }
    public ulong RawValueSize { get; set; }
    public ulong DataSize { get; set; }

    /// <summary>Bytes of all data blocks' contents before compression, without trailers (version 2+; 0 in older tables).</summary>
    public ulong DataUncompressedSize { get; set; }

    /// <summary>Bytes of the filter block's contents, 0 when the table has none (version 2+).</summary>
    public ulong FilterSize { get; set; }
    public ulong DataBlocks { get; set; }
    public ulong IndexSize { get; set; }
    public ulong SmallestSequence { get; set; }
    public ulong LargestSequence { get; set; }
    public ulong CreationTime { get; set; }
    public ulong FormatVersion { get; set; } = TableFormat.CurrentVersion;

    private IEnumerable<(string Name, ulong Value)> Pairs()
    {
        // Keep this list sorted by name: a block's keys ascend.
        yield return ("aimlsm.creation.time", CreationTime);
        yield return ("aimlsm.data.blocks", DataBlocks);
        yield return ("aimlsm.data.size", DataSize);
        yield return ("aimlsm.data.uncompressed.size", DataUncompressedSize);
        yield return ("aimlsm.deletions", Deletions);
        yield return ("aimlsm.entries", Entries);
        yield return ("aimlsm.filter.size", FilterSize);
        yield return ("aimlsm.format.version", FormatVersion);
        yield return ("aimlsm.index.size", IndexSize);
        yield return ("aimlsm.range.deletions", RangeDeletions);
        yield return ("aimlsm.raw.key.size", RawKeySize);
        yield return ("aimlsm.raw.value.size", RawValueSize);
        yield return ("aimlsm.seq.largest", LargestSequence);
        yield return ("aimlsm.seq.smallest", SmallestSequence);
    }

    public void WriteTo(BlockBuilder block)
    {
        Span<byte> v = stackalloc byte[Varint.MaxLength64];
        foreach ((string name, ulong value) in Pairs())
        {
            block.Add(Encoding.ASCII.GetBytes(name), v[..Varint.Write(v, value)]);
        }
    }

    public static TableProperties Read(BlockIterator it, string file, long offset)
    {
        var p = new TableProperties { FormatVersion = 0 };
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            if (Varint.TryRead(it.Value, out ulong v) == 0)
            {
                CorruptionException.Throw(file, offset, $"properties block: the value of '{Encoding.ASCII.GetString(it.Key)}' is not a varint");
            }
            switch (Encoding.ASCII.GetString(it.Key))
            {
                case "aimlsm.creation.time": p.CreationTime = v; break;
                case "aimlsm.data.blocks": p.DataBlocks = v; break;
                case "aimlsm.data.size": p.DataSize = v; break;
                case "aimlsm.data.uncompressed.size": p.DataUncompressedSize = v; break;
                case "aimlsm.deletions": p.Deletions = v; break;
                case "aimlsm.entries": p.Entries = v; break;
                case "aimlsm.filter.size": p.FilterSize = v; break;
                case "aimlsm.format.version": p.FormatVersion = v; break;
                case "aimlsm.index.size": p.IndexSize = v; break;
                case "aimlsm.range.deletions": p.RangeDeletions = v; break;
                case "aimlsm.raw.key.size": p.RawKeySize = v; break;
                case "aimlsm.raw.value.size": p.RawValueSize = v; break;
                case "aimlsm.seq.largest": p.LargestSequence = v; break;
                case "aimlsm.seq.smallest": p.SmallestSequence = v; break;
                default: break; // a newer writer's property
            }
        }
        return p;
    }
}
