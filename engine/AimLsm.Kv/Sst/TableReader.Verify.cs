using System.Buffers;
using AimLsm.Kv.Keys;

namespace AimLsm.Kv.Sst;

internal sealed partial class TableReader
{
    /// <summary>
    /// Reads every data block from the file (never the cache), checking each checksum and decompression, that keys
    /// ascend within and across blocks, that each block ends at or below its index separator, and that the blocks
    /// hold as many entries as the properties say. Each problem goes to <paramref name="report"/> with the file and
    /// offset, and checking goes on with the next block: one damaged block does not hide another.
    /// Shared by <see cref="Db.VerifyChecksums"/> and lsm-dump's verify.
    /// </summary>
    /// <returns>The number of problems reported.</returns>
    internal int Verify(Action<CorruptionException> report)
    {
        int problems = 0;
        void Problem(CorruptionException e)
        {
            problems++;
            report(e);
        }
        byte[] raw = [], decoded = [];
        byte[] previous = [];
        ulong entries = 0;
        bool complete = true;
        var it = new BlockIterator(internalKeys: true);
        try
        {
            BlockIterator index = NewIndexIterator();
            for (index.SeekToFirst(); index.Valid; index.Next())
            {
                BlockHandle h = DecodeIndexValue(index, Path, IndexOffset);
                try
                {
                    byte[] data = ReadDataBlock(h, ref raw, ref decoded, out int length);
                    it.Reset(data, 0, length, Path, (long)h.Offset);
                    for (it.SeekToFirst(); it.Valid; it.Next())
                    {
                        if (previous.Length > 0 && InternalKey.Compare(previous, it.Key) >= 0)
                        {
                            Problem(new CorruptionException(Path, (long)h.Offset, "data block: keys out of order"));
                            break;
                        }
                        previous = it.Key.ToArray();
                        entries++;
                    }
                    if (previous.Length > 0 && InternalKey.Compare(previous, index.Key) > 0)
                    {
                        Problem(new CorruptionException(Path, (long)h.Offset, "index: a block's last key is above its separator"));
                    }
                }
                catch (CorruptionException e)
                {
                    complete = false;
                    Problem(e);
                }
            }
            if (complete && entries != Properties.Entries)
            {
                Problem(new CorruptionException(Path, 0, $"the properties count {Properties.Entries} entries; the data blocks hold {entries}"));
            }
        }
        catch (CorruptionException e)
        {
            Problem(e); // the index itself is unreadable: nothing more to walk
        }
        finally
        {
            if (raw.Length > 0)
            {
                Common.PooledBuffers.Return(raw);
            }
            if (decoded.Length > 0)
            {
                Common.PooledBuffers.Return(decoded);
            }
        }
        return problems;
    }
}
